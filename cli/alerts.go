package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/socialomm/desktop/core/notify"
)

func alertsCommands() []*command {
	return []*command{
		{name: "add", summary: "add a webhook (Slack, Discord or signed JSON) that gets alerts",
			run: (*runner).alertsAdd},
		{name: "list", summary: "list the webhooks", run: (*runner).alertsList},
		{name: "test", summary: "send a test alert to a webhook and print its answer", run: (*runner).alertsTest},
		{name: "remove", summary: "remove a webhook and its secret", run: (*runner).alertsRemove},
	}
}

func eventNames() string {
	names := make([]string, len(notify.Kinds))
	for i, k := range notify.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ",")
}

func (r *runner) openAlerts(ctx context.Context) (*notify.Service, func(), error) {
	e, _, closeEngine, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return nil, nil, err
	}
	return e.Notify(), closeEngine, nil
}

func (r *runner) alertsAdd(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm alerts add --kind slack|discord|json --url URL [--events e1,e2,…] [--secret-stdin] [--data-dir DIR]",
		"Adds a webhook that gets SocialOmm's alerts through the same outbox as desktop and email\n"+
			"notifications (once per event, retried while the receiver is down), and prints it as JSON.\n\n"+
			"Kinds: slack (incoming webhook), discord (channel webhook), json (SocialOmm's payload, version 1).\n"+
			"The URL must be https://, or http:// to this computer only.\n"+
			"Events (default: all): "+eventNames()+".\n"+
			"--secret-stdin reads a signing secret from the first line of standard input; it is kept in the\n"+
			"keyring only, and every request then carries X-SocialOmm-Signature (see the README).")
	kind := fs.String("kind", "", "slack, discord or json")
	url := fs.String("url", "", "the webhook's address")
	events := fs.String("events", "", "comma-separated events to send (default: all)")
	secretStdin := fs.Bool("secret-stdin", false, "read the signing secret from standard input")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if *kind == "" || *url == "" {
		return usageError("give --kind (slack, discord or json) and --url")
	}
	k, err := notify.ParseWebhookKind(*kind)
	if err != nil {
		return usageError("%s", strings.TrimPrefix(err.Error(), notify.ErrInvalidWebhook.Error()+": "))
	}
	if _, err := notify.CheckWebhookURL(*url); err != nil {
		return usageError("%s", strings.TrimPrefix(err.Error(), notify.ErrInvalidWebhook.Error()+": "))
	}
	kinds, err := notify.ParseEvents(*events)
	if err != nil {
		return usageError("%s", strings.TrimPrefix(err.Error(), notify.ErrInvalidWebhook.Error()+": "))
	}
	var sec string
	if *secretStdin {
		if r.io.Stdin == nil {
			return usageError("--secret-stdin needs the secret on standard input")
		}
		line, err := bufio.NewReader(r.io.Stdin).ReadString('\n')
		sec = strings.TrimSpace(line)
		if sec == "" {
			if err != nil && err != io.EOF {
				return fmt.Errorf("read the secret: %w", err)
			}
			return usageError("--secret-stdin was given but standard input held no secret; nothing was added")
		}
	}
	svc, closeAll, err := r.openAlerts(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	w, err := svc.AddWebhook(ctx, notify.NewWebhook{Kind: k, URL: *url, Events: kinds, Secret: sec})
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, w)
}

func (r *runner) alertsList(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm alerts list [--json] [--data-dir DIR]",
		"Lists the webhooks that get alerts: id, kind, where, events, whether requests are signed.")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	svc, closeAll, err := r.openAlerts(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := svc.Webhooks(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(r.io.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(r.io.Stdout, "No webhooks. Add one with `socialomm alerts add --kind slack --url https://hooks.slack.com/services/…`.")
		return nil
	}
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTO\tEVENTS\tSIGNED")
	for _, w := range list {
		events := "all"
		if len(w.Events) > 0 {
			parts := make([]string, len(w.Events))
			for i, k := range w.Events {
				parts[i] = string(k)
			}
			events = strings.Join(parts, ",")
		}
		signed := "no"
		if w.Signed {
			signed = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", w.ID, w.Kind, w.Where(), events, signed)
	}
	return tw.Flush()
}

func parseWebhookID(s string) (int64, error) { return positiveID(s, "a webhook id", "alerts list") }

func (r *runner) alertsTest(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm alerts test ID [--data-dir DIR]",
		"Sends a test alert to the webhook now and prints the receiver's answer: its status and the start\n"+
			"of its body. Exits with status 1 if it was not accepted.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parseWebhookID(pos[0])
	if err != nil {
		return err
	}
	svc, closeAll, err := r.openAlerts(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	ans, err := svc.SendTestWebhook(ctx, id)
	if errors.Is(err, notify.ErrNoWebhook) {
		return err
	}
	if ans.Status != 0 {
		fmt.Fprintf(r.io.Stdout, "Answer: %s\n", ans)
	}
	if err != nil {
		fmt.Fprintf(r.io.Stdout, "Not accepted: %s\n", err)
		return &exitError{code: 1}
	}
	fmt.Fprintln(r.io.Stdout, "Accepted: look for \"SocialOmm test alert\" where the webhook posts.")
	return nil
}

func (r *runner) alertsRemove(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm alerts remove ID [--data-dir DIR]",
		"Removes the webhook, deletes its secret from the keyring and drops its alerts not sent yet.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parseWebhookID(pos[0])
	if err != nil {
		return err
	}
	svc, closeAll, err := r.openAlerts(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := svc.RemoveWebhook(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(r.io.Stdout, "Removed webhook %d.\n", id)
	return nil
}
