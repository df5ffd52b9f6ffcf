// Package instance makes sure one data folder is served by one running engine:
// two schedulers on the same data would post twice.
package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrRunning means another SocialOmm holds the data folder.
var ErrRunning = errors.New("SocialOmm is already running on this data folder")

const (
	lockName   = "socialomm.lock"
	socketName = "socialomm.sock"
)

// Lock is held by the one running engine for a data folder.
type Lock struct {
	file     *os.File
	listener net.Listener
	logger   *slog.Logger
}

// Acquire takes the data folder's lock. If another process holds it, Acquire
// returns an error wrapping ErrRunning that names that process.
func Acquire(dir string, logger *slog.Logger) (*Lock, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (process %s)", ErrRunning, strings.TrimSpace(string(pid)))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{file: f, logger: logger}, nil
}

// Serve answers other starts on the same folder: each one's request to show
// the window calls onShow. It returns at once; the listener lives until
// Release. Without a usable socket (a path too long for one) a second start
// is still refused, it just cannot raise the window.
func (l *Lock) Serve(onShow func()) {
	dir := filepath.Dir(l.file.Name())
	path := filepath.Join(dir, socketName)
	os.Remove(path) // left by a crashed run; we hold the lock, so it is ours
	ln, err := net.Listen("unix", path)
	if err != nil {
		l.logger.Warn("cannot listen for other starts", "err", err)
		return
	}
	l.listener = ln
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(conn).ReadString('\n')
				if strings.TrimSpace(line) == "show" {
					onShow()
					fmt.Fprintln(conn, "ok")
				}
			}()
		}
	}()
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
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "unix", filepath.Join(dir, socketName))
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

// Release gives the folder back.
func (l *Lock) Release() {
	if l.listener != nil {
		l.listener.Close()
	}
	syscall.Flock(int(l.file.Fd()), syscall.LOCK_UN)
	l.file.Close()
}
