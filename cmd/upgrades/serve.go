package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"go.uber.org/fx"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// gcPercent is the collector's target when GOGC is not set. The server's
// live heap is a few megabytes, while bun allocates a 4 KB buffer for every
// statement it builds: at Go's default of 100 the collector runs some thirty
// times a second under load and takes an eighth of the server's CPU, which
// on a small machine is taken from PostgreSQL. Letting the heap grow to
// five times what is live costs some tens of megabytes.
const gcPercent = 400

func serve(ctx context.Context, args []string) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	cfg, err := server.Load(args, os.Getenv)
	if err == nil {
		err = cfg.CheckWeb()
	}
	if err != nil {
		return err
	}
	logger := server.NewLogger()
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		stop, err := startProfiler(addr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	app := fx.New(server.Serve(cfg, logger))
	if err := app.Start(ctx); err != nil {
		return errors.Unwrap(firstCause(err))
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return app.Stop(stopCtx)
}

// firstCause keeps fx's wrapping out of the one line an operator reads.
func firstCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return fmt.Errorf("%w", err)
		}
		err = next
	}
}

// withApp runs fn with the use cases on the configured store and provider.
// Operator commands act on a real database: in memory they would change
// nothing that outlives the command.
func withApp(ctx context.Context, fn func(*application.App) error) error {
	cfg, err := server.Load(nil, os.Getenv)
	if err != nil {
		return err
	}
	if cfg.Memory() {
		return errors.New("DATABASE_URL is not set: this command works on the PostgreSQL database")
	}
	var app *application.App
	fxApp := fx.New(server.Core(cfg, server.NewLogger()), fx.Populate(&app))
	if err := fxApp.Start(ctx); err != nil {
		return errors.Unwrap(firstCause(err))
	}
	defer fxApp.Stop(context.Background())
	return fn(app)
}

func reconcile(ctx context.Context, args []string) error {
	if os.Getenv("STRIPE_SECRET_KEY") == "" {
		return errors.New("STRIPE_SECRET_KEY is not set: reconciling asks Stripe (or STRIPE_API_BASE) about each open upgrade")
	}
	return withApp(ctx, func(app *application.App) error {
		r, err := app.Reconcile.Handle(ctx, application.Reconcile{Limit: 10_000})
		if err != nil {
			return err
		}
		fmt.Printf("checked %d open upgrades: %d changed, %d failed\n", r.Checked, r.Changed, r.Failed)
		if r.Failed > 0 {
			return fmt.Errorf("%d upgrades could not be checked", r.Failed)
		}
		return nil
	})
}

func users(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: upgrades " + usersUsage)
	}
	sub, name, rest := args[0], args[1], args[2:]
	return withApp(ctx, func(app *application.App) error {
		var (
			u   *domain.User
			err error
		)
		switch sub {
		case "create":
			fs := flag.NewFlagSet("users create", flag.ContinueOnError)
			password := fs.String("password", "", "password (8 to 72 characters)")
			email := fs.String("email", "", "email address")
			level := fs.String("level", "member", "level")
			if err := fs.Parse(rest); err != nil {
				return err
			}
			l, err := domain.ParseLevel(*level)
			if err != nil {
				return errors.New(domain.MessageOf(err))
			}
			u, err = app.CreateUser.Handle(ctx, application.CreateUser{Name: name, Password: *password, Email: *email, Level: l})
			if err != nil {
				return errors.New(domain.MessageOf(err))
			}
			return printUser(u, true)
		case "set-level":
			if len(rest) != 1 {
				return errors.New("usage: users set-level NAME LEVEL")
			}
			l, perr := domain.ParseLevel(rest[0])
			if perr != nil {
				return errors.New(domain.MessageOf(perr))
			}
			u, err = app.SetLevel.Handle(ctx, application.SetLevel{Name: name, Level: l})
		case "ban":
			u, err = app.Ban.Handle(ctx, application.Ban{Name: name})
		case "revoke":
			u, err = app.RevokeSessions.Handle(ctx, application.RevokeSessions{Name: name})
		case "rotate-key":
			u, err = app.RotateAPIKey.Handle(ctx, application.RotateAPIKey{Name: name})
			if err == nil {
				return printUser(u, true) // the new key, shown this once
			}
		case "set-password":
			fs := flag.NewFlagSet("users set-password", flag.ContinueOnError)
			fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
			if err := fs.Parse(rest); err != nil {
				return err
			}
			if !*fromStdin || fs.NArg() > 0 {
				// A password among the arguments would be in the process
				// list and the shell's history.
				return errors.New("usage: users set-password NAME --password-stdin")
			}
			password, perr := firstLine(os.Stdin)
			if perr != nil {
				return perr
			}
			u, err = app.SetPassword.Handle(ctx, application.SetPassword{Name: name, Password: password})
		default:
			return errors.New("usage: upgrades " + usersUsage)
		}
		if err != nil {
			return errors.New(domain.MessageOf(err))
		}
		return printUser(u, false)
	})
}

// firstLine reads a secret from the first line of r, without its line end.
func firstLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("--password-stdin: nothing was read from standard input")
	}
	return line, nil
}

func printUser(u *domain.User, withKey bool) error {
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
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
