package bench_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"upgrades/domain"
)

// codesResult is redeeming upgrade codes: codes an owner minted, each
// redeemed once by its own member.
type codesResult struct {
	Codes       int     `json:"codes"`
	Concurrency int     `json:"concurrency"`
	Networks    int     `json:"client_networks"`
	PerSecond   float64 `json:"redemptions_per_second"`
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	// RedeemedOnce is how many of the codes the database holds redeemed,
	// each by the member who redeemed it and by no other, the member at
	// Gold.
	RedeemedOnce int64    `json:"redeemed_once"`
	CPU          cpuPerOp `json:"cpu_per_redemption"`
	ForeignShare float64  `json:"foreign_share"`
	Skipped      string   `json:"skipped,omitempty"`
	Command      string   `json:"command"`
}

// codesNote marks the codes the benchmark mints.
const codesNote = "benchmark"

// clientAddr is the address of the i-th client of the codes section, each
// in its own IPv4 /24 (the throttle's network), as members redeeming at
// home are.
func clientAddr(i int) string { return fmt.Sprintf("10.%d.%d.7", i/256%256, i%256) }

// measureCodes has the owner mint codes through POST /upgrade_codes/mint,
// then members redeem them through POST /upgrade_codes/redeem, one code
// each, from -perf.concurrency clients at once, after a warm-up. Each
// member comes from a network of its own, named in X-Forwarded-For, which
// the server believes from the benchmark (TRUSTED_PROXIES, as from a
// load balancer): redemptions are throttled per network (20, then one
// every 15 s), and one network redeeming thousands of codes is not what a
// shop sees. Every code must end redeemed exactly once, by its member.
func (b *bench) measureCodes() *codesResult {
	t := b.t
	n := *codesN
	out := &codesResult{Codes: n, Concurrency: *concurrency, Command: sectionCommand("codes") + fmt.Sprintf(" -perf.codes=%d", n)}
	req, err := http.NewRequest(http.MethodGet, b.url("/upgrade_codes.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("owner", apiKey("owner"))
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		out.Skipped = "this revision has no upgrade codes (GET /upgrade_codes.json answers 404)"
		return out
	}
	warm := *concurrency * 10
	codes := b.mintCodes(warm + n)
	members := b.seedPool("cr", warm+n, buyersOnly)
	redeem := func(offset int) func(i int) error {
		return func(i int) error {
			i += offset
			body, _ := json.Marshal(map[string]string{"code": codes[i]})
			req, err := http.NewRequest(http.MethodPost, b.url("/upgrade_codes/redeem"), strings.NewReader(string(body)))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", clientAddr(i))
			name := members.name(i)
			req.SetBasicAuth(name, apiKey(name))
			got, err := b.do(req, http.StatusOK)
			if err != nil {
				return err
			}
			var r struct {
				Code struct {
					Status     string `json:"status"`
					RedeemerID int64  `json:"redeemer_id"`
				} `json:"upgrade_code"`
				Level string `json:"level"`
			}
			if err := json.Unmarshal(got, &r); err != nil || r.Code.Status != "redeemed" || r.Code.RedeemerID != members.user(i) || r.Level != "gold" {
				return fmt.Errorf("%s redeemed %s: %s", name, codes[i], got)
			}
			return nil
		}
	}
	if r := closedLoop(warm, *concurrency, redeem(0)); r.errors > 0 {
		t.Fatalf("code redemption warm-up: %d of %d failed: %v", r.errors, warm, r.firstErr)
	}
	b.db.settle()
	t.Logf("redeeming %d codes, %d at a time, each by its own member from its own network", n, *concurrency)
	cpu := startCPU(b.dbName, b.server.Pid())
	r := closedLoop(n, *concurrency, redeem(warm))
	round := cpu.end()
	if r.errors > 0 {
		t.Fatalf("code redemption: %d of %d failed: %v", r.errors, n, r.firstErr)
	}
	out.Networks = warm + n
	out.PerSecond, out.P50MS, out.P99MS = r.rate(), ms(r.lat.percentile(50)), ms(r.lat.percentile(99))
	out.CPU, out.ForeignShare = round.perOp(n), round.Foreign
	// Each code redeemed, by one of the members, no member twice, every
	// member at Gold: redeemed exactly once.
	out.RedeemedOnce = b.db.int(t, `
		SELECT count(DISTINCT c.redeemer_id) FROM upgrade_codes c
		JOIN users u ON u.id = c.redeemer_id AND u.level = 30
		WHERE c.note = $1 AND c.status = 'redeemed' AND c.redeemer_id BETWEEN $2 AND $3`,
		codesNote, members.user(0), members.user(warm+n-1))
	if all := b.db.int(t, `SELECT count(*) FROM upgrade_codes WHERE note = $1`, codesNote); out.RedeemedOnce != int64(warm+n) || all != int64(warm+n) {
		t.Fatalf("code redemption: %d of %d minted codes (%d stored) are redeemed once each by their own member", out.RedeemedOnce, warm+n, all)
	}
	return out
}

// mintCodes has the owner mint n gold codes, as many at a time as a
// minting allows, and returns them.
func (b *bench) mintCodes(n int) []string {
	t := b.t
	var codes []string
	for len(codes) < n {
		body, _ := json.Marshal(map[string]any{"upgrade_type": "gold", "quantity": min(n-len(codes), domain.MaxCodesMinted), "note": codesNote})
		req, err := http.NewRequest(http.MethodPost, b.url("/upgrade_codes/mint"), strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("owner", apiKey("owner"))
		got, err := b.do(req, http.StatusCreated)
		if err != nil {
			t.Fatalf("minting codes: %v", err)
		}
		var minted struct {
			Codes []struct {
				Code string `json:"code"`
			} `json:"upgrade_codes"`
		}
		if err := json.Unmarshal(got, &minted); err != nil || len(minted.Codes) == 0 {
			t.Fatalf("minting codes: %s", got)
		}
		for _, c := range minted.Codes {
			codes = append(codes, c.Code)
		}
	}
	return codes
}
