package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// usersCmd changes accounts in the database. A new subcommand is a field
// here whose type has a Run(ctx, env) method; it reaches the use cases with
// withApp (see usersCreate).
type usersCmd struct {
	server.Store   `embed:""`
	server.Logging `embed:""`

	Create      usersCreate      `cmd:"" help:"Create an account and print it, with its API key, as JSON."`
	SetLevel    usersSetLevel    `cmd:"" name:"set-level" help:"Set an account's level."`
	Ban         usersBan         `cmd:"" help:"Ban an account; its sessions end."`
	Unban       usersUnban       `cmd:"" help:"Lift an account's ban."`
	Revoke      usersRevoke      `cmd:"" help:"End every session of an account."`
	RotateKey   usersRotateKey   `cmd:"" name:"rotate-key" help:"Give an account a new API key, printed this once; the old one stops working."`
	SetPassword usersSetPassword `cmd:"" name:"set-password" help:"Set an account's password from standard input; its sessions end."`
}

type usersCreate struct {
	Name          string `arg:"" help:"The account's name."`
	Password      string `placeholder:"PASSWORD" help:"The password (8 to 72 characters); --password-stdin keeps it out of the process list." xor:"password"`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input." xor:"password"`
	Email         string `placeholder:"EMAIL" help:"Email address."`
	Level         string `default:"member" placeholder:"LEVEL" help:"member, gold, platinum or owner."`
}

func (c *usersCreate) Run(ctx context.Context, e env, u *usersCmd) error {
	level, err := domain.ParseLevel(c.Level)
	if err != nil {
		return errors.New(domain.MessageOf(err))
	}
	password := c.Password
	if c.PasswordStdin {
		if password, err = readPassword(e); err != nil {
			return err
		}
	}
	return u.change(ctx, e, true, func(app *application.App) (*domain.User, error) {
		return app.CreateUser.Handle(ctx, application.CreateUser{Name: c.Name, Password: password, Email: c.Email, Level: level})
	})
}

// reason is the --reason of the commands the audit trail records.
type reason struct {
	Reason string `placeholder:"TEXT" help:"Why, kept in the audit trail."`
}

type usersSetLevel struct {
	Name   string `arg:"" help:"The account's name."`
	Level  string `arg:"" help:"member, gold, platinum or owner."`
	reason `embed:""`
}

func (c *usersSetLevel) Run(ctx context.Context, e env, u *usersCmd) error {
	level, err := domain.ParseLevel(c.Level)
	if err != nil {
		return errors.New(domain.MessageOf(err))
	}
	return u.change(ctx, e, false, func(app *application.App) (*domain.User, error) {
		return app.SetLevel.Handle(ctx, application.SetLevel{By: application.CommandLine, Name: c.Name, Level: level, Reason: c.Reason})
	})
}

type usersBan struct {
	Name   string `arg:"" help:"The account's name."`
	reason `embed:""`
}

func (c *usersBan) Run(ctx context.Context, e env, u *usersCmd) error {
	return u.change(ctx, e, false, func(app *application.App) (*domain.User, error) {
		return app.Ban.Handle(ctx, application.Ban{By: application.CommandLine, Name: c.Name, Reason: c.Reason})
	})
}

type usersUnban struct {
	Name   string `arg:"" help:"The account's name."`
	reason `embed:""`
}

func (c *usersUnban) Run(ctx context.Context, e env, u *usersCmd) error {
	return u.change(ctx, e, false, func(app *application.App) (*domain.User, error) {
		return app.Ban.Handle(ctx, application.Ban{By: application.CommandLine, Name: c.Name, Reason: c.Reason, Unban: true})
	})
}

type usersRevoke struct {
	Name   string `arg:"" help:"The account's name."`
	reason `embed:""`
}

func (c *usersRevoke) Run(ctx context.Context, e env, u *usersCmd) error {
	return u.change(ctx, e, false, func(app *application.App) (*domain.User, error) {
		return app.RevokeSessions.Handle(ctx, application.RevokeSessions{By: application.CommandLine, Name: c.Name, Reason: c.Reason})
	})
}

type usersRotateKey struct {
	Name   string `arg:"" help:"The account's name."`
	reason `embed:""`
}

func (c *usersRotateKey) Run(ctx context.Context, e env, u *usersCmd) error {
	// The new key is printed, this once.
	return u.change(ctx, e, true, func(app *application.App) (*domain.User, error) {
		return app.RotateAPIKey.Handle(ctx, application.RotateAPIKey{By: application.CommandLine, Name: c.Name, Reason: c.Reason})
	})
}

// usersSetPassword takes the password from standard input only: on the
// command line it would be in the process list and the shell's history.
type usersSetPassword struct {
	Name          string `arg:"" help:"The account's name."`
	PasswordStdin bool   `name:"password-stdin" required:"" help:"Read the password from the first line of standard input."`
	reason        `embed:""`
}

func (c *usersSetPassword) Run(ctx context.Context, e env, u *usersCmd) error {
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	return u.change(ctx, e, false, func(app *application.App) (*domain.User, error) {
		return app.SetPassword.Handle(ctx, application.SetPassword{By: application.CommandLine, Name: c.Name, Password: password, Reason: c.Reason})
	})
}

// change runs fn, which changes one account, and prints the account, with
// its API key when withKey is set; an error is told in the domain's words.
func (u *usersCmd) change(ctx context.Context, e env, withKey bool, fn func(*application.App) (*domain.User, error)) error {
	return u.withApp(ctx, e, func(app *application.App) error {
		changed, err := fn(app)
		if err != nil {
			return errors.New(domain.MessageOf(err))
		}
		return printUser(e, changed, withKey)
	})
}

// withApp runs fn with the use cases on the database. The account
// commands need neither Stripe nor the web server's secrets.
func (u *usersCmd) withApp(ctx context.Context, e env, fn func(*application.App) error) error {
	if u.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: this command works on the PostgreSQL database")
	}
	cfg, err := server.Load(nil, func(k string) string {
		return map[string]string{"DATABASE_URL": u.DatabaseURL, "LOG_LEVEL": u.LogLevel, "LOG_FORMAT": u.LogFormat, "SLOW_QUERY": u.SlowQuery}[k]
	})
	if err != nil {
		return err
	}
	return withApp(ctx, cfg, e, fn)
}

// withApp runs fn with the use cases on the configured store and provider.
// Operator commands act on a real database: in memory they would change
// nothing that outlives the command.
func withApp(ctx context.Context, cfg server.Config, e env, fn func(*application.App) error) error {
	if cfg.Memory() {
		return errors.New("DATABASE_URL is not set: this command works on the PostgreSQL database")
	}
	logger, err := server.NewLogger(e.stderr, cfg.Logging())
	if err != nil {
		return err
	}
	var app *application.App
	fxApp := fx.New(server.Core(cfg, logger), fx.Populate(&app))
	if err := fxApp.Start(ctx); err != nil {
		return err
	}
	defer fxApp.Stop(context.Background())
	return fn(app)
}

// readPassword reads one line of standard input, without its line end.
func readPassword(e env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("--password-stdin: nothing was read from standard input")
	}
	return line, nil
}

func printUser(e env, u *domain.User, withKey bool) error {
	out := map[string]any{
		"id": u.ID(), "name": u.Name(), "level": u.Level().String(), "is_banned": u.IsBanned(),
		"created_at": u.CreatedAt().UTC().Format(time.RFC3339),
	}
	if u.Email() != "" {
		out["email"] = u.Email()
	}
	if withKey {
		out["api_key"] = u.APIKey()
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("printing the account: %w", err)
	}
	return nil
}
