package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"upgrades/application"
	"upgrades/cmd/upgrades/server"
	"upgrades/domain"
)

// eventsCmd looks at the stored Stripe events and replays them. It needs
// the database only: a replay reads the stored payload and calls no one.
type eventsCmd struct {
	server.Store   `embed:""`
	server.Logging `embed:""`

	List   eventsList   `cmd:"" help:"List stored Stripe events, newest first."`
	Replay eventsReplay `cmd:"" help:"Apply a stored Stripe event again through the webhook's fulfilment (nothing happens when it was applied). Its signature was checked when it was stored and is not checked again."`
}

type eventsList struct {
	Status string `placeholder:"STATUS" help:"unprocessed, failed, applied, ignored, anomaly, noted, unhandled or unmatched."`
	Type   string `placeholder:"TYPE" help:"Only events of this Stripe type, e.g. checkout.session.completed."`
	Limit  int    `default:"50" placeholder:"N" help:"At most this many events (1 to 1000)."`
	JSON   bool   `name:"json" help:"Print one JSON object per line instead of a table."`
}

// eventJSON is an event as scripts read it.
type eventJSON struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	Status      string  `json:"status"`
	Livemode    bool    `json:"livemode"`
	ReceivedAt  string  `json:"received_at"`
	ProcessedAt *string `json:"processed_at"`
	UpgradeID   *int64  `json:"upgrade_id"`
	Attempts    int     `json:"attempts"`
	LastError   *string `json:"last_error"`
}

func toJSON(e application.StoredEvent) eventJSON {
	out := eventJSON{ID: e.ID, Type: e.Type, Status: e.Status(), Livemode: e.Livemode,
		ReceivedAt: e.ReceivedAt.UTC().Format(time.RFC3339), Attempts: e.Attempts}
	if !e.ProcessedAt.IsZero() {
		at := e.ProcessedAt.UTC().Format(time.RFC3339)
		out.ProcessedAt = &at
	}
	if e.UpgradeID != 0 {
		id := int64(e.UpgradeID)
		out.UpgradeID = &id
	}
	if e.LastError != "" {
		out.LastError = &e.LastError
	}
	return out
}

func (c *eventsList) Run(ctx context.Context, e env, ev *eventsCmd) error {
	if c.Limit < 1 {
		return fmt.Errorf("--limit must be between 1 and %d", application.MaxEventLimit)
	}
	return ev.withApp(ctx, e, func(app *application.App) error {
		events, err := app.ListEvents.Handle(ctx, application.EventFilter{Status: c.Status, Type: c.Type, Limit: c.Limit})
		if err != nil {
			return errors.New(domain.MessageOf(err))
		}
		if c.JSON {
			enc := json.NewEncoder(e.stdout)
			for _, s := range events {
				if err := enc.Encode(toJSON(s)); err != nil {
					return fmt.Errorf("printing the events: %w", err)
				}
			}
			return nil
		}
		if len(events) == 0 {
			fmt.Fprintln(e.stderr, "no stored event matches")
			return nil
		}
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "RECEIVED\tID\tTYPE\tSTATUS\tUPGRADE\tATTEMPTS\tLAST ERROR")
		for _, s := range events {
			upgrade := "-"
			if s.UpgradeID != 0 {
				upgrade = strconv.FormatInt(int64(s.UpgradeID), 10)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.ReceivedAt.UTC().Format(time.RFC3339), s.ID, s.Type, s.Status(),
				upgrade, s.Attempts, shorten(strings.Join(strings.Fields(s.LastError), " "), 60))
		}
		return w.Flush()
	})
}

// shorten keeps a table cell to n runes.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

type eventsReplay struct {
	ID     string `arg:"" name:"event-id" help:"The Stripe event id (evt_…)."`
	reason `embed:""`
}

func (c *eventsReplay) Run(ctx context.Context, e env, ev *eventsCmd) error {
	return ev.withApp(ctx, e, func(app *application.App) error {
		r, err := app.ReplayEvent.Handle(ctx, application.ReplayEvent{By: application.CommandLine, ID: c.ID, Reason: c.Reason})
		switch {
		case domain.IsKind(err, domain.KindNotFound) && r.Event.ID == "":
			return fmt.Errorf("no stored event has the id %q (see upgrades events list)", c.ID)
		case err != nil:
			return fmt.Errorf("replaying %s failed, it stays unprocessed: %s", c.ID, domain.MessageOf(err))
		case r.Applied.Duplicate:
			fmt.Fprintf(e.stdout, "%s was already applied: nothing was done\n", c.ID)
		default:
			fmt.Fprintf(e.stdout, "%s replayed: %s", c.ID, r.Applied.Outcome)
			if r.Applied.UpgradeID != 0 {
				fmt.Fprintf(e.stdout, " (upgrade %d)", r.Applied.UpgradeID)
			}
			fmt.Fprintln(e.stdout)
		}
		return nil
	})
}

// withApp runs fn with the use cases on the database, as the account
// commands do.
func (ev *eventsCmd) withApp(ctx context.Context, e env, fn func(*application.App) error) error {
	u := usersCmd{Store: ev.Store, Logging: ev.Logging}
	return u.withApp(ctx, e, fn)
}
