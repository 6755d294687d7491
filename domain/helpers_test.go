package domain_test

import (
	"errors"
	"testing"
	"time"

	"upgrades/domain"
)

// t0 is the moment every domain test starts at.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// stored builds a user as the store would return it.
func stored(id domain.UserID, name string, level domain.Level) *domain.User {
	return domain.UnmarshalUserFromDatabase(id, name, name+"@example.com", "hash", "key-"+name, level, false, t0)
}

// bannedUser is stored, but banned.
func bannedUser(id domain.UserID, name string, level domain.Level) *domain.User {
	u := stored(id, name, level)
	u.Ban()
	return u
}

// storedUpgrade builds an upgrade as the store would return it after its
// checkout was created, whatever the recipient's level is now: Apply must
// cope with levels that changed after the upgrade was started.
func storedUpgrade(t domain.UpgradeType, purchaser, recipient domain.UserID) *domain.Upgrade {
	return domain.UnmarshalUpgradeFromDatabase(domain.UpgradeSnapshot{
		ID: 7, PurchaserID: purchaser, RecipientID: recipient, Type: t,
		Status: domain.StatusPending, Price: domain.DefaultPrices().Of(t),
		SessionID: "cs_test_7", CheckoutURL: "https://checkout.test/pay/cs_test_7",
		SessionExpiresAt: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0,
	}, nil)
}

// apply runs one event and fails the test on an error.
func apply(t *testing.T, u *domain.Upgrade, kind domain.EventKind, cause string, recipient *domain.User) domain.Result {
	t.Helper()
	r, err := u.Apply(matching(u, kind, cause, "pi_7"), domain.Facts{Recipient: recipient}, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Apply(%s): %v", kind, err)
	}
	return r
}

// checkErr checks that err is nil when ok, else a *domain.Error of kind k.
func checkErr(t *testing.T, err error, ok bool, k domain.Kind) {
	t.Helper()
	if ok {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	wantKind(t, err, k)
}

// wantKind checks that err is a *domain.Error of kind k.
func wantKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("want a *domain.Error of kind %s, got %v", k, err)
	}
	if de.Kind != k {
		t.Fatalf("want kind %s, got %s (%v)", k, de.Kind, err)
	}
}

// matching is a payment of kind that matches u, as the provider reports a
// checkout paid at the upgrade's price.
func matching(u *domain.Upgrade, kind domain.EventKind, cause, paymentIntent string) domain.Payment {
	return domain.Payment{
		Kind: kind, Cause: cause, PaymentIntentID: paymentIntent,
		SessionID: u.SessionID(), Amount: u.Price().Amount(), Currency: u.Price().Currency(),
	}
}
