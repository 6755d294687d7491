package stripesim_test

import (
	"net/url"
	"strings"
	"testing"

	"upgrades/adapters/stripesim"
)

// More events than one page holds are read page by page with
// starting_after, newest first, each event exactly once.
func TestEventsArePagedWithStartingAfter(t *testing.T) {
	h := newHarness(t, func(c *stripesim.Config) { c.DropWebhooks = true })
	const n = 7
	for range n {
		id := h.createSession()["id"].(string)
		h.call("POST", "/v1/checkout/sessions/"+id+"/expire", nil, "")
	}
	var ids []string
	q := url.Values{"limit": {"3"}, "type": {"checkout.session.expired"}}
	for page := 0; ; page++ {
		if page > n {
			t.Fatal("the pages never end")
		}
		status, list, _ := h.call("GET", "/v1/events", q, "")
		if status != 200 {
			t.Fatalf("page %d: %d %v", page, status, list)
		}
		data, _ := list["data"].([]any)
		for _, d := range data {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		if list["has_more"] != true {
			break
		}
		q.Set("starting_after", ids[len(ids)-1])
	}
	want := h.sim.Events()
	if len(ids) != n {
		t.Fatalf("read %d events, want %d: %v", len(ids), n, ids)
	}
	for i, id := range ids {
		if w := want[n-1-i].ID; id != w {
			t.Errorf("event %d is %s, want %s (newest first)", i, id, w)
		}
	}

	status, body, _ := h.call("GET", "/v1/events", url.Values{"starting_after": {"evt_nope"}}, "")
	if e := errorOf(t, body); status != 400 || e["param"] != "starting_after" || !strings.Contains(e["message"].(string), "evt_nope") {
		t.Errorf("unknown starting_after: %d %v", status, e)
	}
}
