package instance

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// maxSocketPath is the longest path a unix socket takes on Linux (108
// bytes of sun_path, one of them the final NUL).
const maxSocketPath = 107

// SocketPath is where the owner of dir listens: inside dir itself, which
// only its user can enter; for a folder whose path is too long for a unix
// socket, in a private folder under $XDG_RUNTIME_DIR (else the temporary
// folder) named after the data folder.
func SocketPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if p := filepath.Join(abs, socketName); len(p) <= maxSocketPath {
		return p, nil
	}
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	sum := sha256.Sum256([]byte(abs))
	short := filepath.Join(base, fmt.Sprintf("socialomm-%d-%s", os.Getuid(), hex.EncodeToString(sum[:8])))
	if p := filepath.Join(short, socketName); len(p) <= maxSocketPath {
		return p, nil
	}
	return "", fmt.Errorf("the data folder's path is too long for SocialOmm's instance socket, and so is %s; use a shorter --data-dir or $XDG_RUNTIME_DIR", short)
}

// privateSocketDir makes sure the folder holding a socket outside the data
// folder is ours alone: created 0700, or already there as a folder we own
// that no one else can enter (a folder someone else made under /tmp is
// refused, not used).
func privateSocketDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s is not a folder of this user; refusing to put SocialOmm's socket there", dir)
	}
	if info.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// Serve starts answering other processes on the data folder: a second
// start's request to show the window calls onShow; a command is run by the
// handler set with HandleCommands. It returns at once; the listener lives
// until Release. Without a usable socket a second start is still refused
// and commands wait for the lock; the reason is logged.
func (l *Lock) Serve(onShow func()) {
	path, err := SocketPath(l.dir)
	if err == nil && filepath.Dir(path) != filepath.Clean(l.dir) {
		err = privateSocketDir(filepath.Dir(path))
	}
	if err != nil {
		l.logger.Warn("cannot listen for other starts and commands", "err", err)
		return
	}
	os.Remove(path) // left by a crashed run; we hold the lock, so it is ours
	ln, err := net.Listen("unix", path)
	if err != nil {
		l.logger.Warn("cannot listen for other starts and commands", "err", err)
		return
	}
	// The folder is private already; the socket is too, in case the
	// folder's permissions are ever widened by hand.
	if err := os.Chmod(path, 0o600); err != nil {
		l.logger.Warn("socket permissions", "err", err)
	}
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		ln.Close()
		return
	}
	l.listener = ln
	l.mu.Unlock()
	go l.accept(ln, onShow)
}

func (l *Lock) accept(ln net.Listener, onShow func()) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if !l.track(conn) {
			conn.Close()
			return
		}
		go func() {
			defer l.untrack(conn)
			l.answer(conn, onShow)
		}()
	}
}

func (l *Lock) track(conn net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	if l.conns == nil {
		l.conns = map[net.Conn]struct{}{}
	}
	l.conns[conn] = struct{}{}
	l.serving.Add(1)
	return true
}

func (l *Lock) untrack(conn net.Conn) {
	conn.Close()
	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
	l.serving.Done()
}

// answer reads what the other process asks: the line "show", or a command
// request (see protocol.go).
func (l *Lock) answer(conn net.Conn, onShow func()) {
	peer, err := peerOf(conn)
	if err != nil || peer.uid != os.Getuid() {
		// The folder is private, so only our user reaches the socket; a
		// process of another user (root aside) never gets an answer.
		l.logger.Warn("refused a connection from another user", "err", err)
		return
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	in := bufio.NewReader(conn)
	line, err := in.ReadString('\n')
	if err != nil {
		return
	}
	conn.SetReadDeadline(time.Time{})
	if strings.TrimSpace(line) == "show" {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		onShow()
		fmt.Fprintln(conn, "ok")
		return
	}
	l.mu.Lock()
	h := l.handler
	l.mu.Unlock()
	serveCommand(conn, in, []byte(line), h, peer.pid, l.logger)
}

// StopServing closes the socket, ends the commands it is running for
// others (their contexts are cancelled) and waits for them to return, so
// the engine they use can be closed after it.
func (l *Lock) StopServing() {
	l.mu.Lock()
	l.stopped = true
	if l.listener != nil {
		l.listener.Close()
	}
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.serving.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		l.logger.Warn("commands from the command line did not stop in time")
	}
}

type peer struct{ pid, uid int }

func dial(ctx context.Context, dir string) (net.Conn, error) {
	path, err := SocketPath(dir)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// AskToShow asks the running instance on dir to bring its window forward.
// It reports whether the instance answered. An instance that has just taken
// the lock may not listen yet, so it keeps asking for a few seconds.
func AskToShow(ctx context.Context, dir string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	for {
		if askOnce(ctx, dir) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-retry.C:
		}
	}
}

func askOnce(ctx context.Context, dir string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := dial(ctx, dir)
	if err != nil {
		return false
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	fmt.Fprintln(conn, "show")
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(reply) == "ok"
}
