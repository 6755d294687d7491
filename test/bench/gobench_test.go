package bench_test

import (
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// goBenchResult is adapters/stripe's benchmarks: the verifier (signature
// and the fields the shop reads) beside stripe-go's ConstructEvent alone
// on the same signed event.
type goBenchResult struct {
	Benchmarks []goBenchmark `json:"benchmarks"`
	Error      string        `json:"error,omitempty"`
	Command    string        `json:"command"`
}

// goBenchmark is the median of the runs of one benchmark.
type goBenchmark struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// goBenchLine is a line of go test -bench -benchmem, with MB/s when the
// benchmark sets its bytes.
var goBenchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op(?:\s+[0-9.]+ MB/s)?\s+([0-9.]+) B/op\s+([0-9.]+) allocs/op`)

func (b *bench) runGoBenchmarks() *goBenchResult {
	args := []string{"test", "-run", "^$", "-bench", "^Benchmark(Verify|ConstructEvent)$", "-benchmem", "-count", "5", "./adapters/stripe"}
	res := &goBenchResult{Command: "go " + strings.Join(quoteArgs(args), " ")}
	b.t.Logf("running %s", res.Command)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot(b.t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Reported, not fatal: the figures above stand without these.
		res.Error = strings.TrimSpace(err.Error() + ": " + lastLines(string(out), 5))
		return res
	}
	if res.Benchmarks = parseGoBench(string(out)); len(res.Benchmarks) == 0 {
		res.Error = "no benchmark lines in the output: " + lastLines(string(out), 5)
	}
	return res
}

// parseGoBench reads go test -bench's output: the median of each
// benchmark's runs, in the order they first appear.
func parseGoBench(out string) []goBenchmark {
	runs := map[string][][3]float64{}
	var order []string
	for line := range strings.SplitSeq(out, "\n") {
		m := goBenchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		var v [3]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[i+2], 64)
		}
		if _, seen := runs[m[1]]; !seen {
			order = append(order, m[1])
		}
		runs[m[1]] = append(runs[m[1]], v)
	}
	var bs []goBenchmark
	for _, name := range order {
		rs := runs[name]
		median := func(k int) float64 {
			vs := make([]float64, len(rs))
			for i, r := range rs {
				vs[i] = r[k]
			}
			slices.Sort(vs)
			return vs[len(vs)/2]
		}
		bs = append(bs, goBenchmark{Name: name, NsPerOp: median(0), BytesPerOp: median(1), AllocsPerOp: median(2)})
	}
	return bs
}

// quoteArgs quotes the arguments a shell would split or expand.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "^$|() *") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], " | ")
}
