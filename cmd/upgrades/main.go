// Command upgrades runs the upgrade shop and its operator tools.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	usage string
	run   func(ctx context.Context, args []string) error
}

var commands = map[string]command{
	"serve":      {"serve [flags]: run the web server (see README for configuration)", serve},
	"users":      {usersUsage, users},
	"reconcile":  {"reconcile: check every open upgrade with Stripe once, then exit", reconcile},
	"stripe-sim": {stripeSimUsage, stripeSim},
	"migrate":    {migrateUsage, migrate},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	name, args := "serve", os.Args[1:]
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		usage()
		os.Exit(2)
	}
	if err := cmd.run(ctx, args); err != nil {
		fmt.Fprintln(os.Stderr, "upgrades "+name+": "+err.Error())
		os.Exit(1)
	}
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: upgrades COMMAND [ARGS]")
	for _, n := range names {
		fmt.Fprintln(os.Stderr, "  upgrades "+commands[n].usage)
	}
}

const usersUsage = "users create NAME --password P [--email E] [--level L] | users set-level NAME LEVEL | users ban NAME" +
	" | users revoke NAME | users rotate-key NAME | users set-password NAME --password-stdin"
