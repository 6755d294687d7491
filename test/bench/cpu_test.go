package bench_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of the times in /proc.
const clockTick = 10 * time.Millisecond

// processCPU is the CPU time process pid has used so far; 0 without /proc.
func processCPU(pid string) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	// After the command, in parentheses: state is field 3, utime 14, stime 15.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// machineCPU is the CPU time every processor of the machine has been busy
// so far, from /proc/stat; 0 without /proc.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle and iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * clockTick
}

// cpuMeter measures the CPU that one run costs the machine, the server
// and this process.
type cpuMeter struct {
	serverPid                string
	machine, server, loadgen time.Duration
}

// startCPU starts measuring, with the server's process (pid 0: none).
func startCPU(serverPid int) *cpuMeter {
	m := &cpuMeter{machine: machineCPU(), loadgen: processCPU(strconv.Itoa(os.Getpid()))}
	if serverPid != 0 {
		m.serverPid = strconv.Itoa(serverPid)
		m.server = processCPU(m.serverPid)
	}
	return m
}

// perOp stops the meter and divides what each spent by n operations.
func (m *cpuMeter) perOp(n int) cpuPerOp {
	per := func(d time.Duration) float64 { return ms(d) / float64(n) }
	out := cpuPerOp{MachineMS: per(machineCPU() - m.machine), LoadMS: per(processCPU(strconv.Itoa(os.Getpid())) - m.loadgen)}
	if m.serverPid != "" {
		out.ServerMS = per(processCPU(m.serverPid) - m.server)
	}
	return out
}

// cpuPerOp is the CPU time one operation costs, in ms.
type cpuPerOp struct {
	// MachineMS is every process: PostgreSQL, the server, the load
	// generator, and whatever else ran meanwhile.
	MachineMS float64 `json:"machine_ms"`
	ServerMS  float64 `json:"server_ms,omitempty"`
	// LoadMS is the load generator: this process, or pgbench.
	LoadMS float64 `json:"load_generator_ms"`
}

// add is c plus the share of one of n runs.
func (c cpuPerOp) add(run cpuPerOp, n int) cpuPerOp {
	f := float64(n)
	return cpuPerOp{MachineMS: c.MachineMS + run.MachineMS/f, ServerMS: c.ServerMS + run.ServerMS/f, LoadMS: c.LoadMS + run.LoadMS/f}
}
