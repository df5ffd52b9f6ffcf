package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/instance"
)

// syncBuffer is a log the owner's goroutines write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startOwner runs what a daemon runs on dir, minus the loops: the lock as
// an owner, the engine, and the socket taking commands. It returns the
// owner's log.
func startOwner(t *testing.T, dir string) *syncBuffer {
	t.Helper()
	return startOwnerOf(t, dir, core.Catalog{})
}

// startOwnerOf is startOwner offering the networks of cat (the usual ones
// when cat is empty).
func startOwnerOf(t *testing.T, dir string, cat core.Catalog) *syncBuffer {
	t.Helper()
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	lock, err := instance.Acquire(dir, instance.Holder{Kind: instance.Daemon}, logger)
	if err != nil {
		t.Fatal(err)
	}
	e, err := core.Open(context.Background(), core.Options{DataDir: dir, Logger: logger, Networks: cat})
	if err != nil {
		lock.Release()
		t.Fatal(err)
	}
	r := &runner{getenv: os.Getenv, networks: cat}
	lock.HandleCommands(r.serveCommands(&sharedEngine{engine: e, logger: logger}))
	lock.Serve(func() {})
	t.Cleanup(func() {
		lock.Release() // ends the commands it runs before the engine closes
		e.Close()
	})
	return log
}

func TestCommandsRunInTheOwnerAnswerAsTheyWouldHere(t *testing.T) {
	setup(t)
	t.Setenv("SOCIALOMM_DATA_DIR", "")
	here, owned := t.TempDir(), t.TempDir()
	ownerLog := startOwner(t, owned)
	cases := []struct {
		stdin string
		args  []string
	}{
		{"", []string{"accounts", "list", "--json"}},
		{"", []string{"accounts", "list"}},
		{"", []string{"settings", "set", "lifespan.days", "30"}},
		{"45\n", []string{"settings", "set", "expiring.days", "-"}},
		{"", []string{"settings", "get", "expiring.days"}},
		{"pw-from-stdin\n", []string{"settings", "set", "smtp.password"}},
		{"", []string{"settings", "get", "smtp.password"}},
		{"", []string{"settings", "set", "smtp.password", "hunter2"}},
		{"", []string{"settings", "list"}},
		{"", []string{"settings", "get", "no.such"}},
		{"", []string{"settings", "set", "lifespan.days", "soon"}},
		{"", []string{"accounts", "check", "7"}},
		{"", []string{"accounts", "remove", "7"}},
		{"", []string{"posts", "list", "--json"}},
		{"", []string{"posts", "schedule", "--account", "1", "--at", "now", "Hello"}},
		{"", []string{"notify", "pending"}},
		{"", []string{"accounts", "list", "--nope"}},
	}
	for _, c := range cases {
		local := runWithStdin(t, c.stdin, append(c.args, "--data-dir", here)...)
		forwarded := runWithStdin(t, c.stdin, append([]string{"--data-dir", owned}, c.args...)...)
		if !reflect.DeepEqual(local, forwarded) {
			t.Errorf("%v\nhere:      %+v\nforwarded: %+v", c.args, local, forwarded)
		}
	}
	// Every one of them ran in the owner, none here beside it.
	if n := strings.Count(ownerLog.String(), "running a command for the command line"); n != len(cases) {
		t.Fatalf("the owner ran %d of %d commands:\n%s", n, len(cases), ownerLog.String())
	}
	if !strings.Contains(ownerLog.String(), `command="settings set" pid=`+strconv.Itoa(os.Getpid())) {
		t.Fatalf("the owner's log does not name the command and who asked:\n%s", ownerLog.String())
	}
	if strings.Contains(ownerLog.String(), "pw-from-stdin") || strings.Contains(ownerLog.String(), "hunter2") {
		t.Fatal("a secret reached the owner's log")
	}
	if _, err := os.Stat(filepath.Join(owned, "socialomm.log")); err == nil {
		t.Fatal("a command opened its own engine (and log) beside the owner")
	}
}

func TestSecretsAreTakenFromStdinOnly(t *testing.T) {
	setup(t)
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string
		err   string
	}{
		{"a secret as an argument is refused", "", []string{"settings", "set", "x.client_secret", "abc"}, 2, "",
			"`socialomm settings set x.client_secret -`"},
		{"from stdin with -", "abc\r\n", []string{"settings", "set", "x.client_secret", "-"}, 0,
			"x.client_secret = (set, kept in the keyring)\n", ""},
		{"an empty argument clears it", "", []string{"settings", "set", "x.client_secret", ""}, 0, "x.client_secret = \n", ""},
		{"no value given at all", "", []string{"settings", "set", "smtp.password"}, 2, "", "no value on standard input"},
		{"a plain setting from stdin", "21\nnot this\n", []string{"settings", "set", "expiring.days"}, 0, "expiring.days = 21\n", ""},
		{"still two words at most", "", []string{"settings", "set", "a", "b", "c"}, 2, "", "takes 2 argument(s), got 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runWithStdin(t, c.stdin, c.args...)
			if r.code != c.code || r.stdout != c.out || !strings.Contains(r.stderr, c.err) || strings.Contains(r.stdout+r.stderr, "abc") {
				t.Fatalf("%+v", r)
			}
		})
	}
}

// waitingRunner is a runner that tells on waits channel each time it
// waits for the data folder.
func waitingRunner(out *bytes.Buffer, gui GUI) (*runner, chan instance.Holder) {
	waits := make(chan instance.Holder, 1)
	r := &runner{io: IO{Stdin: strings.NewReader(""), Stdout: out, Stderr: out}, gui: gui, getenv: os.Getenv,
		waited: func(h instance.Holder) {
			select {
			case waits <- h:
			default:
			}
		}}
	return r, waits
}

func TestAStartOrACommandWaitsForAShortCommandHoldingTheFolder(t *testing.T) {
	setup(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"a command", []string{"accounts", "list", "--json"}},
		{"a window", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			held, err := instance.Acquire(dir, instance.Holder{Kind: instance.Command, What: "accounts connect"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			opened := make(chan struct{}, 1)
			var out bytes.Buffer
			r, waits := waitingRunner(&out, func(context.Context, Env) error { opened <- struct{}{}; return nil })
			code := make(chan int, 1)
			go func() { code <- r.main(context.Background(), append(c.args, "--data-dir", dir)) }()
			if h := <-waits; h.Kind != instance.Command || h.What != "accounts connect" || h.PID != os.Getpid() {
				t.Fatalf("waited for %+v", h)
			}
			held.Release()
			if got := <-code; got != 0 {
				t.Fatalf("exit %d: %s", got, out.String())
			}
			if c.args == nil && len(opened) != 1 {
				t.Fatal("the window did not open after the wait")
			}
		})
	}
}

func TestAStartFindingAnOwnerDoesNotWait(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	startOwner(t, dir)
	var out bytes.Buffer
	r, waits := waitingRunner(&out, nil)
	if code := r.main(context.Background(), []string{"daemon", "--data-dir", dir}); code != 1 || !strings.Contains(out.String(), "already running") {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if len(waits) != 0 {
		t.Fatal("a second daemon waited for the first")
	}
}

func TestTheDataFolderFlagIsFoundAndMadeAbsolute(t *testing.T) {
	wd, _ := os.Getwd()
	cases := []struct {
		args  []string
		dir   string
		found bool
		abs   []string
	}{
		{[]string{"accounts", "list"}, "", false, []string{"accounts", "list"}},
		{[]string{"--data-dir", "d", "accounts", "list"}, "d", true, []string{"--data-dir", filepath.Join(wd, "d"), "accounts", "list"}},
		{[]string{"accounts", "list", "-data-dir=/x"}, "/x", true, []string{"accounts", "list", "-data-dir=/x"}},
		{[]string{"accounts", "list", "--data-dir=rel", "--data-dir", "/last"}, "/last", true,
			[]string{"accounts", "list", "--data-dir=" + filepath.Join(wd, "rel"), "--data-dir", "/last"}},
		{[]string{"posts", "schedule", "--", "--data-dir", "x"}, "", false, []string{"posts", "schedule", "--", "--data-dir", "x"}},
	}
	for _, c := range cases {
		dir, found := dataDirFlag(c.args)
		if dir != c.dir || found != c.found || !reflect.DeepEqual(absoluteDataDir(c.args), c.abs) {
			t.Errorf("%q: %q %v %q", c.args, dir, found, absoluteDataDir(c.args))
		}
	}
}
