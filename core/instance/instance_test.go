package instance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSecondAcquireIsRefusedAndCanRaiseTheFirst(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir, Holder{Kind: Window}, nil)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan struct{}, 1)
	first.Serve(func() { shown <- struct{}{} })

	_, err = Acquire(dir, Holder{Kind: Window}, nil)
	if !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Fatalf("second Acquire: %v", err)
	}
	if !AskToShow(context.Background(), dir) {
		t.Fatal("the running instance did not answer")
	}
	<-shown

	first.Release()
	again, err := Acquire(dir, Holder{Kind: Window}, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if AskToShow(short, dir) {
		t.Fatal("a released instance still answers")
	}
}

func TestTheLockFileSaysWhatHoldsIt(t *testing.T) {
	cases := []struct {
		holder Holder
		owner  bool
		says   string
	}{
		{Holder{Kind: Window}, true, ", window"},
		{Holder{Kind: Daemon}, true, ", daemon"},
		{Holder{Kind: Command, What: "accounts check"}, false, ", `socialomm accounts check`"},
	}
	for _, c := range cases {
		t.Run(string(c.holder.Kind), func(t *testing.T) {
			dir := t.TempDir()
			l, err := Acquire(dir, c.holder, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Acquire(dir, Holder{Kind: Command, What: "posts list"}, nil)
			var held *HeldError
			if !errors.As(err, &held) || !held.Known {
				t.Fatalf("second Acquire: %v", err)
			}
			if held.Holder.PID != os.Getpid() || held.Holder.Kind != c.holder.Kind || held.Holder.What != c.holder.What ||
				held.Holder.Kind.Owner() != c.owner || !strings.Contains(held.Holder.String(), c.says) {
				t.Fatalf("holder %+v (%s)", held.Holder, held.Holder)
			}
			l.Release()
			if data, _ := os.ReadFile(filepath.Join(dir, lockName)); len(data) != 0 {
				t.Fatalf("a released lock still names its holder: %q", data)
			}
		})
	}
}

func TestALockFileOfAnOlderSocialOmmCountsAsAnOwner(t *testing.T) {
	for _, c := range []struct {
		data  string
		known bool
		owner bool
	}{
		{"4242\n", true, true},
		{"4242 command dev seed\n", true, false},
		{"", false, false},
		{"garbage", false, false},
	} {
		h, known := parseHolder(c.data)
		if known != c.known || (known && (h.PID != 4242 || h.Kind.Owner() != c.owner)) {
			t.Errorf("%q: %+v known=%v", c.data, h, known)
		}
	}
}

func TestAcquireMakesAnExistingFolderPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	l, err := Acquire(dir, Holder{Kind: Daemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	l.Serve(func() {})
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("data folder %v %v", info.Mode(), err)
	}
	sock, err := os.Stat(filepath.Join(dir, socketName))
	if err != nil || sock.Mode().Perm() != 0o600 || sock.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket %v %v", sock, err)
	}
}

func TestALongDataFolderPathGetsAShortPrivateSocket(t *testing.T) {
	runtime, err := os.MkdirTemp("", "rt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	dir := t.TempDir()
	for len(dir) < 120 {
		dir = filepath.Join(dir, "a-rather-long-folder-name")
	}
	l, err := Acquire(dir, Holder{Kind: Daemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	l.HandleCommands(func(_ context.Context, req Request, s Streams) int {
		fmt.Fprint(s.Stdout, strings.Join(req.Args, " "))
		return 0
	})
	l.Serve(func() {})
	path, err := SocketPath(dir)
	if err != nil || !strings.HasPrefix(path, runtime) || len(path) > maxSocketPath {
		t.Fatalf("socket path %q %v", path, err)
	}
	info, err := os.Stat(filepath.Dir(path))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket folder %v %v", info, err)
	}
	var out bytes.Buffer
	if code, err := Forward(context.Background(), dir, Request{Args: []string{"accounts", "list"}}, nil, &out, io.Discard); err != nil || code != 0 || out.String() != "accounts list" {
		t.Fatalf("forward over the short socket: %d %v %q", code, err, out.String())
	}
}

func TestASocketFolderOfAnotherUserIsRefused(t *testing.T) {
	others := "/" // root's
	if os.Getuid() == 0 {
		others = filepath.Join(t.TempDir(), "nobodys")
		if err := os.Mkdir(others, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(others, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	for _, dir := range []string{others, file} {
		if err := privateSocketDir(dir); err == nil {
			t.Errorf("%s was taken for the socket", dir)
		}
	}
	ours := filepath.Join(t.TempDir(), "ours")
	os.Mkdir(ours, 0o755)
	os.Chmod(ours, 0o755)
	if err := privateSocketDir(ours); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(ours); info.Mode().Perm() != 0o700 {
		t.Fatalf("our socket folder is %v", info.Mode())
	}
}

// owner is a Lock serving commands with handler.
func owner(t *testing.T, handler CommandHandler) string {
	t.Helper()
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: Daemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Release)
	l.HandleCommands(handler)
	l.Serve(func() {})
	return dir
}

func TestAForwardedCommandsOutputStatusAndStdinArriveAsWritten(t *testing.T) {
	dir := owner(t, func(_ context.Context, req Request, s Streams) int {
		if s.PeerPID != os.Getpid() {
			fmt.Fprintf(s.Stderr, "peer %d", s.PeerPID)
			return 99
		}
		in, _ := io.ReadAll(s.Stdin)
		fmt.Fprintf(s.Stdout, "args=%q ", req.Args)
		fmt.Fprint(s.Stderr, "progress\n")
		s.Stdout.Write([]byte{0, 1, 2, 0xff})
		fmt.Fprintf(s.Stdout, " stdin=%q env=%q", in, req.Env)
		return 3
	})
	var out, errOut bytes.Buffer
	code, err := Forward(context.Background(), dir, Request{Args: []string{"posts", "schedule", "-"}, Env: []string{"A=b"}},
		strings.NewReader("line one\nline two"), &out, &errOut)
	want := "args=[\"posts\" \"schedule\" \"-\"] \x00\x01\x02\xff stdin=\"line one\\nline two\" env=[\"A=b\"]"
	if err != nil || code != 3 || out.String() != want || errOut.String() != "progress\n" {
		t.Fatalf("code %d err %v\nstdout %q\nstderr %q", code, err, out.String(), errOut.String())
	}
}

func TestStdinGivenUpFrontIsTheCommandsWholeStdin(t *testing.T) {
	dir := owner(t, func(_ context.Context, _ Request, s Streams) int {
		in, _ := io.ReadAll(s.Stdin)
		s.Stdout.Write(in)
		return 0
	})
	var out bytes.Buffer
	// The stream is never read: the given bytes are the input.
	code, err := Forward(context.Background(), dir, Request{Stdin: []byte("s3cret\n"), StdinGiven: true},
		strings.NewReader("not this"), &out, io.Discard)
	if err != nil || code != 0 || out.String() != "s3cret\n" {
		t.Fatalf("%d %v %q", code, err, out.String())
	}
}

func TestTheAskerLeavingCancelsTheCommand(t *testing.T) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	dir := owner(t, func(ctx context.Context, _ Request, s Streams) int {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return 1
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Forward(ctx, dir, Request{Args: []string{"accounts", "connect", "x"}}, nil, io.Discard, io.Discard)
		done <- err
	}()
	<-started
	cancel() // as Ctrl+C closes the connection
	<-cancelled
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Forward after cancel: %v", err)
	}
}

func TestReleaseEndsForwardedCommandsFirst(t *testing.T) {
	started, ended := make(chan struct{}), make(chan struct{})
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: Daemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.HandleCommands(func(ctx context.Context, _ Request, s Streams) int {
		close(started)
		<-ctx.Done()
		close(ended)
		return 1
	})
	l.Serve(func() {})
	done := make(chan error, 1)
	go func() {
		_, err := Forward(context.Background(), dir, Request{}, nil, io.Discard, io.Discard)
		done <- err
	}()
	<-started
	l.Release()
	select {
	case <-ended:
	default:
		t.Fatal("Release returned while a forwarded command still ran")
	}
	if err := <-done; !errors.Is(err, ErrOwnerGone) {
		t.Fatalf("the asker was told %v", err)
	}
}

func TestNoOwnerListeningIsNoAnswer(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: Window}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	// Holding the lock but not serving yet (opening its database).
	if _, err := Forward(context.Background(), dir, Request{}, nil, io.Discard, io.Discard); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("Forward to no listener: %v", err)
	}
}

func TestAnOwnerOfAnotherProtocolVersionRefusesPlainly(t *testing.T) {
	dir := owner(t, func(context.Context, Request, Streams) int { return 0 })
	conn, err := dial(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintln(conn, `{"request":{"v":99,"args":["accounts","list"]}}`)
	reply, _ := io.ReadAll(conn)
	if !strings.Contains(string(reply), "command protocol 1") {
		t.Fatalf("reply %q", reply)
	}
}

func TestFlockIsPerOpenFileSoASecondAcquireInOneProcessIsRefused(t *testing.T) {
	// The owner's own commands never take the lock again; this pins the
	// behaviour they rely on if one ever tried.
	dir := t.TempDir()
	l, err := Acquire(dir, Holder{Kind: Daemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := Acquire(dir, Holder{Kind: Command}, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("%v", err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dir, lockName), &st); err != nil || st.Mode&0o077 != 0 {
		t.Fatalf("lock file mode %o %v", st.Mode, err)
	}
}
