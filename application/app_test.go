package application_test

import (
	"testing"
	"time"

	"upgrades/application"
	"upgrades/domain"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc   string
		change func(c *application.Config)
		ok     bool
	}{
		{"defaults", func(c *application.Config) {}, true},
		{"https base URL", func(c *application.Config) { c.BaseURL = "https://shop.example/sub" }, true},
		{"trailing slash", func(c *application.Config) { c.BaseURL = "https://shop.example/" }, false},
		{"relative base URL", func(c *application.Config) { c.BaseURL = "/shop" }, false},
		{"other scheme", func(c *application.Config) { c.BaseURL = "ftp://shop.example" }, false},
		{"no base URL", func(c *application.Config) { c.BaseURL = "" }, false},
		{"no prices", func(c *application.Config) { c.Prices = domain.Prices{} }, false},
		{"checkout too short", func(c *application.Config) { c.CheckoutTTL = 29 * time.Minute }, false},
		{"checkout too long", func(c *application.Config) { c.CheckoutTTL = 25 * time.Hour }, false},
		{"shortest checkout", func(c *application.Config) { c.CheckoutTTL = 30 * time.Minute }, true},
		{"no reconcile threshold", func(c *application.Config) { c.ReconcileAfter = 0 }, false},
		{"no lease", func(c *application.Config) { c.ReconcileLease = 0 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := application.DefaultConfig()
			tc.change(&c)
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%t", err, tc.ok)
			}
		})
	}
}

func TestUpgradeOptionsWhenDisabled(t *testing.T) {
	f := newFixture(t, func(c *application.Config) { c.Enabled = false })
	alice := f.user("alice", domain.LevelMember)
	v, err := f.app.UpgradeOptions.Handle(f.ctx, application.UpgradeOptions{ViewerID: alice.ID()})
	if err != nil || v.Enabled {
		t.Fatalf("%+v %v", v, err)
	}
	for _, o := range v.Offers {
		if o.Refusal == "" {
			t.Errorf("%s is offered while upgrades are disabled", o.Type)
		}
	}
}
