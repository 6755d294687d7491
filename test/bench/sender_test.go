package bench_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// sender posts webhooks to one server as cheaply as a load generator can:
// each request is written whole, made beforehand, on a kept-alive
// connection, and its answer read with net/http's parser on the same
// goroutine. net/http's client costs about 0.1 ms of CPU a request more
// (its pool, a reading and a writing goroutine per connection, the
// request and its headers built each time), on the processors that the
// server and PostgreSQL share, where it counts against the server as
// pgbench's own cost counts against PostgreSQL. A connection serves one
// request at a time; there are as many as requests in flight.
type sender struct {
	addr string
	idle chan *senderConn
}

type senderConn struct {
	net.Conn
	r *bufio.Reader
}

// maxIdle is the most connections a sender keeps between requests, more
// than any run has in flight.
const maxIdle = 1024

func newSender(addr string) *sender {
	return &sender{addr: addr, idle: make(chan *senderConn, maxIdle)}
}

// close closes the idle connections.
func (s *sender) close() {
	for {
		select {
		case c := <-s.idle:
			c.Close()
		default:
			return
		}
	}
}

// webhookRequest is ev's delivery to host as Stripe sends it, whole.
func webhookRequest(host string, ev signedEvent) []byte {
	head := fmt.Sprintf("POST /webhooks/receive HTTP/1.1\r\nHost: %s\r\n"+
		"User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n"+
		"Content-Type: application/json; charset=utf-8\r\n"+
		"Stripe-Signature: %s\r\nContent-Length: %d\r\n\r\n", host, ev.header, len(ev.payload))
	return append([]byte(head), ev.payload...)
}

// post sends req and returns the answer's status, Retry-After and body.
// A request on a kept-alive connection that the server had closed (its
// idle timeout, a restart) is sent again on a new one, as net/http's
// client does; webhooks are idempotent by their event's id.
func (s *sender) post(req []byte) (status int, retryAfter int, body []byte, err error) {
	c, reused, err := s.conn()
	if err != nil {
		return 0, 0, nil, err
	}
	res, body, err := c.roundTrip(req)
	if err != nil && reused && closedBeforeAnswer(err) {
		c.Close()
		if c, err = s.dial(); err != nil {
			return 0, 0, nil, err
		}
		res, body, err = c.roundTrip(req)
	}
	if err != nil {
		c.Close()
		return 0, 0, nil, err
	}
	if res.Close {
		c.Close()
	} else {
		s.put(c)
	}
	after, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	return res.StatusCode, after, body, nil
}

func (c *senderConn) roundTrip(req []byte) (*http.Response, []byte, error) {
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, nil, err
	}
	if _, err := c.Write(req); err != nil {
		return nil, nil, err
	}
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	return res, body, err
}

// closedBeforeAnswer says whether err is a connection that the server
// closed before answering anything.
func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (s *sender) conn() (c *senderConn, reused bool, err error) {
	select {
	case c := <-s.idle:
		return c, true, nil
	default:
		c, err := s.dial()
		return c, false, err
	}
}

func (s *sender) dial() (*senderConn, error) {
	c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &senderConn{Conn: c, r: bufio.NewReader(c)}, nil
}

func (s *sender) put(c *senderConn) {
	select {
	case s.idle <- c:
	default:
		c.Close()
	}
}
