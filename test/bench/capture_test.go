package bench_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// pgWire stands between a client and PostgreSQL and records the SQL the
// client sends. The server speaks the simple query protocol (bun writes
// the arguments into the text), so each statement crosses the wire whole,
// in one Query message, exactly as PostgreSQL executes it.
type pgWire struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns [][]string // the statements of each connection, in order
}

// Startup packets other than the startup message itself, which a client
// may send first and which PostgreSQL answers with one byte.
const (
	sslRequest    = 80877103
	gssEncRequest = 80877104
)

func startPGWire(t *testing.T, target string) *pgWire {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &pgWire{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go w.relay(c)
		}
	}()
	return w
}

// url is dbURL reached through the recorder.
func (w *pgWire) url(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	u.Host = w.ln.Addr().String()
	q := u.Query()
	q.Set("sslmode", "disable") // the recorder reads the statements in clear
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (w *pgWire) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", w.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	w.mu.Lock()
	conn := len(w.conns)
	w.conns = append(w.conns, nil)
	w.mu.Unlock()

	r := bufio.NewReader(client)
	// A query is recorded before it is forwarded, so that it is on record
	// before its answer can reach the client.
	forward := func(header []byte, length uint32) ([]byte, bool) {
		if length < 4 {
			return nil, false
		}
		body := make([]byte, length-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, false
		}
		if len(header) == 5 && header[0] == 'Q' {
			w.mu.Lock()
			w.conns[conn] = append(w.conns[conn], string(bytes.TrimRight(body, "\x00")))
			w.mu.Unlock()
		}
		if _, err := server.Write(append(header, body...)); err != nil {
			return nil, false
		}
		return body, true
	}
	// Startup packets have no type byte: a length, then a code.
	for {
		header := make([]byte, 4)
		if _, err := io.ReadFull(r, header); err != nil {
			return
		}
		body, ok := forward(header, binary.BigEndian.Uint32(header))
		if !ok || len(body) < 4 {
			return
		}
		if code := binary.BigEndian.Uint32(body); code != sslRequest && code != gssEncRequest {
			break
		}
	}
	// Then every message is a type byte and a length.
	for {
		header := make([]byte, 5)
		if _, err := io.ReadFull(r, header); err != nil {
			return
		}
		if _, ok := forward(header, binary.BigEndian.Uint32(header[1:])); !ok {
			return
		}
	}
}

// mark is how many statements each connection has sent so far.
func (w *pgWire) mark() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make([]int, len(w.conns))
	for i, c := range w.conns {
		m[i] = len(c)
	}
	return m
}

// since is every statement sent after mark, by any connection.
func (w *pgWire) since(mark []int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for i, c := range w.conns {
		from := 0
		if i < len(mark) {
			from = mark[i]
		}
		out = append(out, c[from:]...)
	}
	return out
}

// transaction returns the queries from BEGIN to COMMIT of the first
// recorded transaction that runs a statement of the shape marker. A query
// may carry more than one statement: BEGIN may open the first, COMMIT
// end the last.
func (w *pgWire) transaction(marker string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, stmts := range w.conns {
		begin := -1
		for i, s := range stmts {
			sh := shape(s)
			if strings.HasPrefix(sh, "begin") {
				begin = i
			}
			if last := strings.TrimRight(sh, "; "); begin >= 0 && (strings.HasPrefix(sh, "commit") || strings.HasSuffix(last, "; commit")) {
				tx := stmts[begin : i+1]
				for _, s := range tx {
					if strings.Contains(shape(s), marker) {
						return tx
					}
				}
				begin = -1
			}
		}
	}
	return nil
}

var (
	sqlString   = regexp.MustCompile(`'(?:[^']|'')*'`)
	sqlVariable = regexp.MustCompile(`:[A-Za-z_][A-Za-z0-9_]*`)
	sqlNumber   = regexp.MustCompile(`\b\d+(?:\.\d+)?\b`)
	sqlSpace    = regexp.MustCompile(`\s+`)
)

// shape is a statement with its values left out: every literal and every
// pgbench variable becomes ?, so a statement the server sent and one of
// the pgbench script compare equal exactly when they are the same SQL.
func shape(stmt string) string {
	s := sqlString.ReplaceAllString(stmt, "?")
	s = sqlVariable.ReplaceAllString(s, "?")
	s = sqlNumber.ReplaceAllString(s, "?")
	s = sqlSpace.ReplaceAllString(s, " ")
	return strings.ToLower(strings.TrimSpace(s))
}

// scriptStatements reads the SQL of a pgbench script: its comments and
// meta-commands left out, one query per semicolon at the end of a line
// (statements joined by \; are one query).
func scriptStatements(script string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") || strings.HasPrefix(trimmed, `\`) {
			continue
		}
		if strings.HasSuffix(trimmed, `\;`) {
			// pgbench's \; sends the next statement in the same query.
			cur.WriteString(strings.TrimSuffix(trimmed, `\;`) + ";\n")
			continue
		}
		cur.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	return out
}

// urlHost is the host:port of a PostgreSQL URL.
func urlHost(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", errors.New("the URL names no host")
	}
	if u.Port() == "" {
		return u.Host + ":5432", nil
	}
	return u.Host, nil
}
