package contract_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"upgrades/application"
)

// payloads are bodies an event could have: every byte value, the ones a
// SQL literal or bytea's input treats specially, a body that looks like
// bytea's hex format, and text that is not UTF-8.
func payloads() [][]byte {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	return [][]byte{
		{},
		every,
		[]byte(`{"note":"it's a \"quote\" and a \\ backslash"}`),
		[]byte(`\x7b7d`),
		[]byte(`\\x00 \000 \\\ '' '`),
		[]byte("{\n  \"name\": \"Zoë 🎁\"\n}"),
		{0xff, 0xfe, 0x00, '\'', 0x80, '\\'},
	}
}

func init() {
	eventCases = append(eventCases, testCase{"events/payloads are stored byte for byte, by Record, Fail and Lock", func(t *testing.T, s store) {
		for i, payload := range payloads() {
			for _, how := range []string{"record", "fail", "lock"} {
				e := application.ReceivedEvent{ID: fmt.Sprintf("evt_%s_%d", how, i), Type: "checkout.session.completed", Payload: payload, ReceivedAt: t0}
				do(t, s, func(ctx context.Context, st application.Store) error {
					switch how {
					case "record":
						_, err := st.Events.Record(ctx, e)
						return err
					case "fail":
						return st.Events.Fail(ctx, e, "failed")
					default:
						_, err := st.Outcomes.Lock(ctx, application.PaymentLock{Event: &e, UpgradeID: 1})
						return err
					}
				})
				do(t, s, func(ctx context.Context, st application.Store) error {
					got, err := st.Events.Get(ctx, e.ID)
					if err != nil {
						return err
					}
					if !bytes.Equal(got.Payload, payload) {
						t.Errorf("%s: payload %q stored as %q", e.ID, payload, got.Payload)
					}
					return nil
				})
			}
		}
	}})
}
