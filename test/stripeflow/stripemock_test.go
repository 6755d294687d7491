package stripeflow

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// stripe-mock is Stripe's own mock of its API: it validates every request
// against Stripe's OpenAPI specification. It is pinned in go.mod as a tool,
// built once per test binary and started on a free loopback port the
// first time a test asks for it.
var stripeMock struct {
	once sync.Once
	cmd  *exec.Cmd
	dir  string
	url  string
	err  error
}

var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

// stripeMockURL returns the running stripe-mock's base URL.
func stripeMockURL(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("stripe-mock is not run with -short")
	}
	stripeMock.once.Do(func() { stripeMock.url, stripeMock.err = startStripeMock() })
	if stripeMock.err != nil {
		t.Fatalf("stripe-mock: %v", stripeMock.err)
	}
	return stripeMock.url
}

func startStripeMock() (string, error) {
	dir, err := os.MkdirTemp("", "stripe-mock")
	if err != nil {
		return "", err
	}
	stripeMock.dir = dir
	bin := filepath.Join(dir, "stripe-mock")
	build := exec.Command("go", "build", "-o", bin, "github.com/stripe/stripe-mock")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building: %v\n%s", err, out)
	}
	// Both listeners on free loopback ports: by default the HTTPS one takes
	// a fixed port, which parallel test binaries would fight over.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", err
	}
	stripeMock.cmd = cmd
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("it did not say where it listens within 30s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", base+"/v1/checkout/sessions/cs_test_ping", nil)
		req.Header.Set("Authorization", "Bearer sk_test_ping")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return base, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("it does not answer at %s: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stopStripeMock() {
	if stripeMock.cmd != nil {
		stripeMock.cmd.Process.Kill()
		stripeMock.cmd.Wait()
	}
	if stripeMock.dir != "" {
		os.RemoveAll(stripeMock.dir)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopStripeMock()
	os.Exit(code)
}
