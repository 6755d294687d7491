// Command upgrades runs the upgrade shop and its operator tools.
//
// Each command is a struct in its own file: its fields are its flags and
// arguments (kong tags, with envvar:"NAME" for a flag an environment
// variable can set) and its Run method does the work. To add a subcommand,
// add a field to its parent's struct, as users.go does for
// `users create|set-level|ban`; --help, the environment and the errors come
// with it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"upgrades/adapters/stripesim"
	"upgrades/cmd/upgrades/server"
)

// cli is every command. serve is the default: `upgrades` alone, or with
// only flags, serves.
type cli struct {
	Serve     serveCmd     `cmd:"" default:"withargs" help:"Run the web server (the default command)."`
	Migrate   migrateCmd   `cmd:"" help:"Apply, roll back or list the PostgreSQL migrations."`
	Users     usersCmd     `cmd:"" help:"Create and change accounts in the database."`
	Events    eventsCmd    `cmd:"" help:"List and replay the stored Stripe events."`
	Codes     codesCmd     `cmd:"" help:"Mint upgrade codes."`
	Reconcile reconcileCmd `cmd:"" help:"Check every open upgrade with Stripe once, then exit."`
	Refund    refundCmd    `cmd:"" help:"Refund a complete upgrade in full through Stripe, recorded in the audit trail."`
	StripeSim stripeSimCmd `cmd:"" name:"stripe-sim" help:"Run the simulated Stripe as its own server."`
}

// env is what the commands read their environment and input through.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run runs the command args name and returns the exit status: 0 done, 1
// failed, 2 not understood.
func run(ctx context.Context, args []string, e env) int {
	var c cli
	exited := -1
	parser, err := newParser(&c, e,
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { exited = code }),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(e),
	)
	if err != nil {
		fmt.Fprintln(e.stderr, "upgrades:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exited >= 0 { // --help printed the help
		return exited
	}
	if err != nil {
		var pe *kong.ParseError
		path := "upgrades"
		if errors.As(err, &pe) && pe.Context != nil {
			path = strings.TrimSpace("upgrades " + pe.Context.Command())
		}
		fmt.Fprintf(e.stderr, "%s: %v (usage: %s --help)\n", path, oneLine(err), path)
		return 2
	}
	if err := kctx.Run(); err != nil {
		fmt.Fprintf(e.stderr, "upgrades %s: %s\n", commandName(kctx), oneLine(err))
		return 1
	}
	return 0
}

// newParser is the parser of every command.
func newParser(c *cli, e env, options ...kong.Option) (*kong.Kong, error) {
	return server.NewParser(c, e.getenv, append([]kong.Option{
		kong.Name("upgrades"),
		kong.Description("Sells one-time account upgrades through Stripe Checkout. Every flag can be set by the environment variable after $."),
		kong.Vars{
			"sim_retry_for":     stripesim.DefaultRetryFor.String(),
			"sim_retry_initial": stripesim.DefaultRetryInitial.String(),
			"sim_retry_max":     stripesim.DefaultRetryMax.String(),
			"sim_redirect_wait": stripesim.DefaultRedirectWait.String(),
		},
	}, options...)...)
}

// commandName is the command without its arguments: "users create".
func commandName(k *kong.Context) string {
	var words []string
	for _, p := range k.Path {
		if p.Command != nil {
			words = append(words, p.Command.Name)
		}
	}
	return strings.Join(words, " ")
}

// oneLine keeps an error to the one line an operator reads.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
