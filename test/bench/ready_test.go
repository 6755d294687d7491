package bench_test

import (
	"net/http"
	"os"
	"slices"
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
	sorted := slices.Clone(res.RunsMS)
	slices.Sort(sorted)
	res.MedianMS = sorted[len(sorted)/2]
	return res
}

// measureMemory reads the server's peak resident set (VmHWM) after all the
// load it has served.
func (b *bench) measureMemory() *memoryResult {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(b.server.Pid()) + "/status")
	if err != nil {
		b.t.Logf("no /proc: the server's memory is not measured: %v", err)
		return nil
	}
	res := &memoryResult{TargetMB: 100, Command: b.rep.Command}
	for line := range strings.SplitSeq(string(status), "\n") {
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
			res.PeakMB = kb / 1024
		case "VmRSS":
			res.NowMB = kb / 1024
		}
	}
	return res
}
