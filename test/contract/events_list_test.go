package contract_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func init() {
	eventCases = append(eventCases, testCase{"events/List selects by status and type, newest first; Get reads one", func(t *testing.T, s store) {
		alice := mustUser(t, s, "alice", domain.LevelMember)
		up := mustUpgrade(t, s, alice, alice, domain.UpgradeGold, t0)
		at := func(id, typ string, minutes int) application.ReceivedEvent {
			e := received(id)
			e.Type, e.ReceivedAt = typ, t0.Add(time.Duration(minutes)*time.Minute)
			return e
		}
		finish := func(e application.ReceivedEvent, outcome domain.Outcome, upgrade domain.UpgradeID) {
			do(t, s, func(ctx context.Context, st application.Store) error {
				if _, err := st.Events.Record(ctx, e); err != nil {
					return err
				}
				return st.Events.Finish(ctx, e.ID, outcome, upgrade, e.ReceivedAt)
			})
		}
		finish(at("evt_applied", "checkout.session.completed", 0), domain.OutcomeApplied, up.ID())
		do(t, s, func(ctx context.Context, st application.Store) error {
			return st.Events.Fail(ctx, at("evt_failed", "charge.refunded", 1), "the database went away")
		})
		do(t, s, func(ctx context.Context, st application.Store) error {
			_, err := st.Events.Record(ctx, at("evt_pending", "checkout.session.completed", 2))
			return err
		})
		finish(at("evt_anomaly", "checkout.session.completed", 3), domain.OutcomeAnomaly, 0)

		list := func(f application.EventFilter) []string {
			var got []application.StoredEvent
			do(t, s, func(ctx context.Context, st application.Store) (err error) {
				got, err = st.Events.List(ctx, f)
				return err
			})
			ids := make([]string, len(got))
			for i, e := range got {
				ids[i] = e.ID
				if e.Payload != nil {
					t.Errorf("List returned the payload of %s", e.ID)
				}
			}
			return ids
		}
		for _, tc := range []struct {
			f    application.EventFilter
			want []string
		}{
			{application.EventFilter{}, []string{"evt_anomaly", "evt_pending", "evt_failed", "evt_applied"}},
			{application.EventFilter{Limit: 2}, []string{"evt_anomaly", "evt_pending"}},
			{application.EventFilter{Status: application.EventUnprocessed}, []string{"evt_pending", "evt_failed"}},
			{application.EventFilter{Status: application.EventFailed}, []string{"evt_failed"}},
			{application.EventFilter{Status: "anomaly"}, []string{"evt_anomaly"}},
			{application.EventFilter{Status: "applied", Type: "checkout.session.completed"}, []string{"evt_applied"}},
			{application.EventFilter{Type: "charge.refunded"}, []string{"evt_failed"}},
			{application.EventFilter{Status: "unmatched"}, []string{}},
		} {
			if got := list(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("List(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		}

		do(t, s, func(ctx context.Context, st application.Store) error {
			got, err := st.Events.Get(ctx, "evt_applied")
			if err != nil {
				return err
			}
			want := received("evt_applied")
			if got.Status() != "applied" || got.UpgradeID != up.ID() || got.Attempts != 1 || !got.ProcessedAt.Equal(t0) ||
				!bytes.Equal(got.Payload, want.Payload) || got.Type != "checkout.session.completed" || !got.ReceivedAt.Equal(t0) {
				t.Errorf("Get(evt_applied) = %+v", got)
			}
			failed, err := st.Events.Get(ctx, "evt_failed")
			if err != nil {
				return err
			}
			if failed.Status() != application.EventFailed || failed.LastError != "the database went away" || !failed.ProcessedAt.IsZero() {
				t.Errorf("Get(evt_failed) = %+v", failed)
			}
			_, err = st.Events.Get(ctx, "evt_unknown")
			wantKind(t, err, domain.KindNotFound)
			return nil
		})
	}})
}
