package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"upgrades/application"
)

func TestReconcileRunsAndTheirUpgrades(t *testing.T) {
	m := New(nil, nil, nil)
	now := time.Unix(1_800_000_000, 0)
	m.ReconcileRun(application.ReconcileReport{Checked: 5, Changed: 2, Failed: 1}, nil, now)
	m.ReconcileRun(application.ReconcileReport{Checked: 3, Changed: 1}, nil, now)
	m.ReconcileRun(application.ReconcileReport{}, errors.New("database down"), now.Add(time.Minute))
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{testutil.ToFloat64(m.reconcilerRuns.WithLabelValues("ok")), 1, "clean runs"},
		{testutil.ToFloat64(m.reconcilerRuns.WithLabelValues("failed")), 2, "runs with a failure"},
		{testutil.ToFloat64(m.reconciled.WithLabelValues("changed")), 3, "changed upgrades"},
		{testutil.ToFloat64(m.reconciled.WithLabelValues("unchanged")), 4, "unchanged upgrades"},
		{testutil.ToFloat64(m.reconciled.WithLabelValues("failed")), 1, "failed upgrades"},
		{testutil.ToFloat64(m.reconcilerOK), float64(now.Unix()), "last clean run"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestLabelsStayBounded(t *testing.T) {
	m := New(nil, nil, nil)
	m.Request("BREW", "unmatched", 404, time.Millisecond)
	m.Request("GET", "/user_upgrades/:id", 200, time.Millisecond)
	m.Webhook("customer.created", false, "unhandled", false, time.Millisecond)
	m.Webhook("checkout.session.completed", true, "applied", true, time.Millisecond)
	if n := testutil.CollectAndCount(m.requests); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
	if got := testutil.ToFloat64(m.webhooks.WithLabelValues("other", "unhandled")); got != 1 {
		t.Errorf("an unhandled type counted %v times as other", got)
	}
	// Asking for the series of method other makes one unless it exists.
	m.requests.WithLabelValues("other", "unmatched", "404")
	if n := testutil.CollectAndCount(m.requests); n != 2 {
		t.Errorf("an unknown method is not counted as other: %d series", n)
	}
	if got := testutil.ToFloat64(m.fulfilments); got != 1 {
		t.Errorf("fulfilments %v, want 1", got)
	}
}
