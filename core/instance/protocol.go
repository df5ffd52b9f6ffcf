package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
)

// The command protocol on the instance socket. Every message is one JSON
// object on its own line (a frame); byte fields travel as base64.
//
//	asker → owner   {"request":{"v":1,"args":[...],"env":[...],"stdin":..,"stdin_given":true}}
//	owner → asker   {"started":true}          the command runs (from here it may have changed things)
//	owner → asker   {"out":...} {"err":...}   the command's stdout and stderr, in order
//	owner → asker   {"want_in":true}          the command reads stdin: send it
//	asker → owner   {"in":...} ... {"in_eof":true}
//	owner → asker   {"exit":N}                the command's exit status; the end
//	owner → asker   {"refused":"..."}         the owner cannot run it (no engine, other version)
//
// The asker closing the connection (Ctrl+C) cancels the command. The old
// one-line request "show" (raise the window) still works beside it.

// ProtocolVersion is the command protocol this build speaks.
const ProtocolVersion = 1

// ErrNoAnswer means no owner answered on the socket: it is not listening
// yet (just starting) or has gone. Nothing was run.
var ErrNoAnswer = errors.New("the running SocialOmm did not answer")

// ErrOwnerGone means the owner went away while running the command; it may
// or may not have finished.
var ErrOwnerGone = errors.New("the running SocialOmm stopped before the command finished; see `socialomm accounts list` or the window for what happened")

// Request is a command line another process asks the owner to run.
type Request struct {
	Version int `json:"v"`
	// Args are the command line's words after the program name.
	Args []string `json:"args"`
	// Env is the asking process's environment, for what a command reads
	// from it (an app password, the browser to open).
	Env []string `json:"env,omitempty"`
	// Stdin, when StdinGiven, is the whole of standard input, read by the
	// asker before asking (a secret typed at its terminal); otherwise
	// standard input is streamed when the command first reads it.
	Stdin      []byte `json:"stdin,omitempty"`
	StdinGiven bool   `json:"stdin_given,omitempty"`
}

// Streams are a forwarded command's standard streams in the owner, and
// the asking process.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// PeerPID is the asking process, as the kernel tells.
	PeerPID int
}

// CommandHandler runs a forwarded command and returns its exit status.
// ctx ends when the asking process goes away.
type CommandHandler func(ctx context.Context, req Request, s Streams) int

// HandleCommands makes the owner run the commands other processes send
// (once Serve listens).
func (l *Lock) HandleCommands(h CommandHandler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handler = h
}

type frame struct {
	Request *Request `json:"request,omitempty"`
	In      []byte   `json:"in,omitempty"`
	InEOF   bool     `json:"in_eof,omitempty"`
	Out     []byte   `json:"out,omitempty"`
	Err     []byte   `json:"err,omitempty"`
	Started bool     `json:"started,omitempty"`
	WantIn  bool     `json:"want_in,omitempty"`
	Exit    *int     `json:"exit,omitempty"`
	Refused string   `json:"refused,omitempty"`
}

// sender writes frames from several goroutines, one whole line each.
type sender struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (s *sender) send(f frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enc.Encode(f)
}

// streamWriter turns writes into out or err frames.
type streamWriter struct {
	s      *sender
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	f := frame{}
	if w.stderr {
		f.Err = p
	} else {
		f.Out = p
	}
	if err := w.s.send(f); err != nil {
		return 0, err
	}
	return len(p), nil
}

// stdinBuffer holds what the asker sent of its stdin until the command
// reads it; it never blocks the connection's reader, so a closed
// connection is always noticed.
type stdinBuffer struct {
	mu   sync.Mutex
	cond *sync.Cond
	data []byte
	err  error // io.EOF once the asker's stdin ended
}

func newStdinBuffer() *stdinBuffer {
	b := &stdinBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *stdinBuffer) write(p []byte) {
	b.mu.Lock()
	b.data = append(b.data, p...)
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *stdinBuffer) close(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *stdinBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.data) == 0 && b.err == nil {
		b.cond.Wait()
	}
	if len(b.data) == 0 {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// remoteStdin asks the asker for its stdin on the first read.
type remoteStdin struct {
	ask sync.Once
	s   *sender
	buf *stdinBuffer
}

func (r *remoteStdin) Read(p []byte) (int, error) {
	r.ask.Do(func() {
		if err := r.s.send(frame{WantIn: true}); err != nil {
			r.buf.close(err)
		}
	})
	return r.buf.Read(p)
}

// serveCommand runs one forwarded command: first is the request's line,
// in the rest of the connection.
func serveCommand(conn net.Conn, in *bufio.Reader, first []byte, h CommandHandler, pid int, logger *slog.Logger) {
	out := &sender{enc: json.NewEncoder(conn)}
	var f frame
	if err := json.Unmarshal(first, &f); err != nil || f.Request == nil {
		out.send(frame{Refused: "not a SocialOmm request"})
		return
	}
	req := *f.Request
	switch {
	case req.Version != ProtocolVersion:
		out.send(frame{Refused: fmt.Sprintf("the running SocialOmm speaks command protocol %d, this one %d: use the same version of SocialOmm, or quit the running one",
			ProtocolVersion, req.Version)})
		return
	case h == nil:
		out.send(frame{Refused: "the running SocialOmm is still starting"})
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	buf := newStdinBuffer()
	var stdin io.Reader = &remoteStdin{s: out, buf: buf}
	if req.StdinGiven {
		buf.write(req.Stdin)
		buf.close(io.EOF)
		stdin = buf
	}
	if err := out.send(frame{Started: true}); err != nil {
		return
	}
	go func() {
		dec := json.NewDecoder(in)
		for {
			var f frame
			if err := dec.Decode(&f); err != nil {
				// The asker is gone (or finished): stop the command.
				cancel()
				buf.close(io.ErrUnexpectedEOF)
				return
			}
			if len(f.In) > 0 {
				buf.write(f.In)
			}
			if f.InEOF {
				buf.close(io.EOF)
			}
		}
	}()
	code := h(ctx, req, Streams{Stdin: stdin, Stdout: streamWriter{s: out}, Stderr: streamWriter{s: out, stderr: true}, PeerPID: pid})
	if err := out.send(frame{Exit: &code}); err != nil {
		logger.Debug("the asking process left before the end", "pid", pid, "err", err)
	}
}

// Forward asks the owner of dir to run req, copying its output to stdout
// and stderr as it comes and stdin to it when it reads, and returns the
// command's exit status. It returns an error wrapping ErrNoAnswer when no
// owner listens (nothing ran), ErrOwnerGone when the owner went away
// mid-command, or the owner's refusal. Ending ctx ends the command.
func Forward(ctx context.Context, dir string, req Request, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	conn, err := dial(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	req.Version = ProtocolVersion
	out := &sender{enc: json.NewEncoder(conn)}
	if err := out.send(frame{Request: &req}); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	dec := json.NewDecoder(bufio.NewReader(conn))
	answered := false
	var sendStdin sync.Once
	for {
		var f frame
		if err := dec.Decode(&f); err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if !answered {
				// Accepted, then closed before the command started: an
				// owner stopping, or one too old to take commands.
				// Nothing ran, so it may be asked again.
				return 0, fmt.Errorf("%w: %w", ErrNoAnswer, err)
			}
			return 0, ErrOwnerGone
		}
		if f.Started {
			answered = true
		}
		switch {
		case f.Refused != "":
			return 0, errors.New(f.Refused)
		case f.Exit != nil:
			return *f.Exit, nil
		case f.WantIn:
			sendStdin.Do(func() { go copyStdin(stdin, out) })
		}
		if len(f.Out) > 0 {
			if _, err := stdout.Write(f.Out); err != nil {
				return 0, err
			}
		}
		if len(f.Err) > 0 {
			if _, err := stderr.Write(f.Err); err != nil {
				return 0, err
			}
		}
	}
}

func copyStdin(stdin io.Reader, out *sender) {
	if stdin != nil {
		chunk := make([]byte, 32<<10)
		for {
			n, err := stdin.Read(chunk)
			if n > 0 {
				if out.send(frame{In: chunk[:n]}) != nil {
					return
				}
			}
			if err != nil {
				break
			}
		}
	}
	out.send(frame{InEOF: true})
}
