package bench_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSenderPostsAsStripeDoesOnKeptAliveConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/webhooks/receive" || r.Header.Get("Stripe-Signature") != "t=1,v1=ab":
			http.Error(w, "not Stripe's delivery", http.StatusBadRequest)
		case string(body) == "shed":
			w.Header().Set("Retry-After", "3")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case string(body) == "chunked":
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush() // no Content-Length now
			w.Write([]byte("part two"))
		default:
			w.Write([]byte(`{"received":true}`))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := newSender(srv.Listener.Addr().String())
	defer s.close()
	post := func(payload string) (int, int, string) {
		t.Helper()
		status, after, body, err := s.post(webhookRequest(s.addr, signedEvent{payload: []byte(payload), header: "t=1,v1=ab"}))
		if err != nil {
			t.Fatalf("post %q: %v", payload, err)
		}
		return status, after, string(body)
	}

	for range 3 {
		if status, _, body := post("{}"); status != http.StatusOK || body != `{"received":true}` {
			t.Fatalf("got %d %q, want 200 and the server's answer", status, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("3 requests in turn used %d connections, want 1", n)
	}
	if status, after, _ := post("shed"); status != http.StatusServiceUnavailable || after != 3 {
		t.Errorf("got %d with Retry-After %d, want 503 with 3", status, after)
	}
	if status, _, body := post("chunked"); status != http.StatusOK || body != "part one, part two" {
		t.Errorf("a chunked answer: got %d %q", status, body)
	}

	// The server drops its kept-alive connections (an idle timeout, a
	// restart): the next request goes on a new one.
	srv.CloseClientConnections()
	if status, _, _ := post("{}"); status != http.StatusOK {
		t.Fatalf("after the server closed the connection: %d", status)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestSenderFailsWhenNothingListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, _, _, err = newSender(addr).post(webhookRequest(addr, signedEvent{payload: []byte("{}")}))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("got %v, want connection refused", err)
	}
}
