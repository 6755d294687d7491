package server

import (
	"context"
	"fmt"
	"io"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/domain"
)

// DemoPassword is the password of every demo user.
const DemoPassword = "upgrade-demo"

// DemoUsers are seeded into the in-memory store: one of each kind a tester
// needs to walk through the shop.
var DemoUsers = []struct {
	Name   string
	Level  domain.Level
	Banned bool
}{
	{"alice", domain.LevelMember, false},
	{"bob", domain.LevelMember, false},
	{"goldie", domain.LevelGold, false},
	{"plato", domain.LevelPlatinum, false},
	{"mallory", domain.LevelMember, true},
	{"owner", domain.LevelOwner, false},
}

// demoSeed seeds the demo users in the demo, and nowhere else: in live
// mode a user with a published password would be an owner of real money.
func demoSeed(cfg Config, out io.Writer) fx.Option {
	if cfg.Mode != ModeDemo {
		return fx.Options()
	}
	return fx.Invoke(func(lc fx.Lifecycle, app *application.App) {
		lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
			return SeedDemo(ctx, app, out, cfg.App.BaseURL)
		}})
	})
}

// SeedDemo creates the demo users and prints how to log in as them.
func SeedDemo(ctx context.Context, app *application.App, w io.Writer, baseURL string) error {
	fmt.Fprintf(w, "Upgrades demo at %s (in-memory data, simulated Stripe)\nEvery demo user's password is %q:\n", baseURL, DemoPassword)
	for _, d := range DemoUsers {
		u, err := app.CreateUser.Handle(ctx, application.CreateUser{Name: d.Name, Password: DemoPassword, Email: d.Name + "@example.com", Level: d.Level})
		if err != nil {
			return fmt.Errorf("seeding %s: %w", d.Name, err)
		}
		note := d.Level.String()
		if d.Banned {
			if _, err := app.Ban.Handle(ctx, application.Ban{By: application.CommandLine, Name: d.Name}); err != nil {
				return err
			}
			note += ", banned"
		}
		fmt.Fprintf(w, "  %-8s (%s) api key %s\n", u.Name(), note, u.APIKey())
	}
	return nil
}
