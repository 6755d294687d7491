package bench_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTick is Linux's USER_HZ, the unit of the times in /proc.
const clockTick = 10 * time.Millisecond

// parseProcessStat reads the CPU time (user and system) from the text of
// /proc/<pid>/stat; ok is false when it is not one.
func parseProcessStat(s string) (cpu time.Duration, ok bool) {
	// After the command, in parentheses (which may hold spaces and
	// parentheses itself): state is field 3, utime 14, stime 15.
	close := strings.LastIndexByte(s, ')')
	if close < 0 {
		return 0, false
	}
	f := strings.Fields(s[close+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

// parseMachineStat reads from the text of /proc/stat the time every
// processor has been busy (all but idle and iowait).
func parseMachineStat(s string) (busy time.Duration, ok bool) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		if i != 3 && i != 4 { // idle and iowait
			ticks += n
		}
	}
	return time.Duration(ticks) * clockTick, true
}

// processCPU is the CPU time process pid has used so far; 0 without /proc.
func processCPU(pid string) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	cpu, _ := parseProcessStat(string(b))
	return cpu
}

// machineCPU is the CPU time every processor of the machine has been busy
// so far; 0 without /proc.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	busy, _ := parseMachineStat(string(b))
	return busy
}

// postgresAuxiliary are the titles of PostgreSQL's own processes, which
// serve every database, this benchmark's included.
var postgresAuxiliary = []string{"checkpointer", "background writer", "walwriter", "autovacuum launcher",
	"logical replication launcher", "archiver", "stats collector", "walsender", "startup"}

// ownPostgres says whether a PostgreSQL process, by its command line
// (the title it sets: "postgres: 15/main: user db 127.0.0.1(5432) idle"),
// works for database db: a backend or autovacuum worker of db, one of
// PostgreSQL's own processes, or the postmaster. Backends of other
// databases are foreign.
func ownPostgres(cmdline, db string) bool {
	cmdline = strings.TrimSpace(strings.ReplaceAll(cmdline, "\x00", " "))
	title, ok := strings.CutPrefix(cmdline, "postgres: ")
	if !ok {
		return true // the postmaster, with its command line unchanged
	}
	for _, aux := range postgresAuxiliary {
		if strings.Contains(title, aux) && !strings.Contains(title, "autovacuum worker") {
			return true
		}
	}
	for f := range strings.FieldsSeq(title) {
		if f == db {
			return true
		}
	}
	return false
}

// foreignShare is the share of the machine's capacity over elapsed on
// cpus processors that went to processes other than ours.
func foreignShare(machine, ours, elapsed time.Duration, cpus int) float64 {
	if elapsed <= 0 || cpus <= 0 {
		return 0
	}
	return max(float64(machine-ours), 0) / (float64(elapsed) * float64(cpus))
}

// cpuMeter measures one round: the CPU of the machine, of the server, of
// the load generator (this process, or pgbench) and of PostgreSQL's
// processes for the benchmark's database, sampled every 200 ms so that
// a backend that exits meanwhile still counts; the rest is foreign.
type cpuMeter struct {
	db        string
	serverPid string
	own       []string // pids of this benchmark's other processes (the simulated Stripe)
	started   time.Time
	machine   time.Duration
	server    time.Duration
	loadgen   time.Duration

	mu       sync.Mutex
	base     map[string]time.Duration // each own PostgreSQL process at its first sight
	last     map[string]time.Duration // and at its last
	foreign  map[string]bool
	children time.Duration // CPU of load generators that ran and exited (pgbench)
	stop     chan struct{}
	done     chan struct{}
}

// startCPU starts measuring a round on database db, with the server's
// process (pid 0: none) and other processes of the benchmark.
func startCPU(db string, serverPid int, own ...int) *cpuMeter {
	m := &cpuMeter{db: db, started: time.Now(), machine: machineCPU(), loadgen: processCPU("self"),
		base: map[string]time.Duration{}, last: map[string]time.Duration{}, foreign: map[string]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if serverPid != 0 {
		m.serverPid = strconv.Itoa(serverPid)
		m.server = processCPU(m.serverPid)
	}
	for _, p := range own {
		if p != 0 {
			m.own = append(m.own, strconv.Itoa(p))
		}
	}
	m.sample(true)
	go func() {
		defer close(m.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-tick.C:
				m.sample(false)
			}
		}
	}()
	return m
}

// sample reads every PostgreSQL process's CPU and the other own ones'.
// At the first sample each process's time so far is the base; one first
// seen later started during the round, from nothing.
func (m *cpuMeter) sample(first bool) {
	dirs, _ := os.ReadDir("/proc")
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range dirs {
		pid := d.Name()
		if pid[0] < '0' || pid[0] > '9' || pid == m.serverPid || m.foreign[pid] {
			continue
		}
		if _, seen := m.last[pid]; !seen {
			if !m.ownProcess(pid) {
				m.foreign[pid] = true
				continue
			}
		}
		cpu := processCPU(pid)
		if _, seen := m.last[pid]; !seen {
			if first {
				m.base[pid] = cpu
			} else {
				m.base[pid] = 0
			}
		}
		m.last[pid] = max(m.last[pid], cpu)
	}
}

func (m *cpuMeter) ownProcess(pid string) bool {
	if slices.Contains(m.own, pid) {
		return true
	}
	comm, err := os.ReadFile(filepath.Join("/proc", pid, "comm"))
	if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
		return false
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
	return err == nil && ownPostgres(string(cmdline), m.db)
}

// child adds the CPU of a load generator that ran during the round and
// has exited.
func (m *cpuMeter) child(cpu time.Duration) {
	m.mu.Lock()
	m.children += cpu
	m.mu.Unlock()
}

// roundCPU is what one round cost, in CPU seconds, and the share of the
// machine that went elsewhere.
type roundCPU struct {
	Seconds  float64 `json:"seconds"`
	Machine  float64 `json:"machine_cpu_s"`
	Server   float64 `json:"server_cpu_s"`
	Postgres float64 `json:"postgres_cpu_s"`
	Loadgen  float64 `json:"load_generator_cpu_s"`
	// Others is the benchmark's other processes (the simulated Stripe).
	Others float64 `json:"others_cpu_s,omitempty"`
	// Foreign is the share of the machine (all its processors over the
	// round) that went to processes of no part of the benchmark.
	Foreign float64 `json:"foreign_share"`
}

// end stops the meter.
func (m *cpuMeter) end() roundCPU {
	close(m.stop)
	<-m.done
	m.sample(false)
	elapsed := time.Since(m.started)
	machine := machineCPU() - m.machine
	m.mu.Lock()
	defer m.mu.Unlock()
	var pg, others time.Duration
	for pid, last := range m.last {
		if slices.Contains(m.own, pid) {
			others += last - m.base[pid]
		} else {
			pg += last - m.base[pid]
		}
	}
	r := roundCPU{Seconds: elapsed.Seconds(), Machine: machine.Seconds(), Postgres: pg.Seconds(), Others: others.Seconds(),
		Loadgen: (processCPU("self") - m.loadgen + m.children).Seconds()}
	if m.serverPid != "" {
		r.Server = (processCPU(m.serverPid) - m.server).Seconds()
	}
	ours := time.Duration((r.Server + r.Postgres + r.Loadgen + r.Others) * float64(time.Second))
	r.Foreign = foreignShare(machine, ours, elapsed, runtime.NumCPU())
	return r
}

// perOp is the round's CPU per operation, of n.
func (r roundCPU) perOp(n int) cpuPerOp {
	per := func(s float64) float64 { return s * 1000 / float64(max(n, 1)) }
	return cpuPerOp{MachineMS: per(r.Machine), ServerMS: per(r.Server), PostgresMS: per(r.Postgres), LoadMS: per(r.Loadgen)}
}

// cpuPerOp is the CPU time one operation costs, in ms.
type cpuPerOp struct {
	// MachineMS is every process: PostgreSQL, the server, the load
	// generator, and whatever else ran meanwhile.
	MachineMS  float64 `json:"machine_ms"`
	ServerMS   float64 `json:"server_ms,omitempty"`
	PostgresMS float64 `json:"postgres_ms"`
	// LoadMS is the load generator: this process, or pgbench.
	LoadMS float64 `json:"load_generator_ms"`
}

// add is c plus the share of one of n runs.
func (c cpuPerOp) add(run cpuPerOp, n int) cpuPerOp {
	f := float64(n)
	return cpuPerOp{MachineMS: c.MachineMS + run.MachineMS/f, ServerMS: c.ServerMS + run.ServerMS/f,
		PostgresMS: c.PostgresMS + run.PostgresMS/f, LoadMS: c.LoadMS + run.LoadMS/f}
}
