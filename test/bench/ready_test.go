package bench_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"upgrades/test/proc"
)

// measureReady starts the server on the migrated database several times
// and times each from exec to the first 200 of /readyz, polled every
// millisecond.
func (b *bench) measureReady() *readyResult {
	t := b.t
	t.Logf("timing %d starts of the server", *starts)
	client := &http.Client{Timeout: time.Second}
	res := &readyResult{Command: sectionCommand("ready"), TargetMS: 1000}
	for range *starts {
		addr := proc.FreeAddr(t)
		start := time.Now()
		p := proc.Start(t, "upgrades serve", b.bin, b.serverEnv(addr, b.dbURL), "serve")
		for {
			r, err := client.Get("http://" + addr + "/readyz")
			if err == nil {
				r.Body.Close()
				if r.StatusCode == http.StatusOK {
					break
				}
			}
			if p.Exited() || time.Since(start) > 30*time.Second {
				t.Fatalf("the server did not get ready:\n%s", p.Logs())
			}
			time.Sleep(time.Millisecond)
		}
		res.RunsMS = append(res.RunsMS, ms(time.Since(start)))
		p.Stop(t)
	}
	res.MedianMS = bootstrapMedian(res.RunsMS)
	return res
}

// rss is a process's resident memory now and at its peak (VmHWM), MB.
type rss struct{ nowMB, peakMB float64 }

// readRSS reads process pid's memory from /proc; ok is false without it.
func readRSS(pid int) (rss, bool) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return rss{}, false
	}
	return parseRSS(string(status)), true
}

// parseRSS reads VmRSS and VmHWM from the text of /proc/<pid>/status.
func parseRSS(status string) rss {
	var r rss
	for line := range strings.SplitSeq(status, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, _ := strconv.ParseFloat(f[0], 64)
		switch name {
		case "VmHWM":
			r.peakMB = kb / 1024
		case "VmRSS":
			r.nowMB = kb / 1024
		}
	}
	return r
}

// measureMemory reads the server's peak resident set (VmHWM) after all the
// load it has served, the servers before its restarts included.
func (b *bench) measureMemory() *memoryResult {
	r, ok := readRSS(b.server.Pid())
	if !ok {
		b.t.Log("no /proc: the server's memory is not measured")
		return nil
	}
	return &memoryResult{PeakMB: max(r.peakMB, b.peakRSS), NowMB: r.nowMB, TargetMB: 100, Command: b.rep.Command}
}
