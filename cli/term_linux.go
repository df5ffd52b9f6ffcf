package cli

import (
	"bufio"
	"io"
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

func termios(f *os.File, req uintptr, t *syscall.Termios) bool {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(unsafe.Pointer(t)))
	return errno == 0
}

func isTerminal(f *os.File) bool {
	var t syscall.Termios
	return termios(f, syscall.TCGETS, &t)
}

// readHidden reads one line from the terminal f without echoing it, and
// puts the terminal back as it was (also when interrupted).
func readHidden(f *os.File) ([]byte, error) {
	var old syscall.Termios
	if !termios(f, syscall.TCGETS, &old) {
		return readPlain(f)
	}
	quiet := old
	quiet.Lflag &^= syscall.ECHO
	quiet.Lflag |= syscall.ICANON | syscall.ISIG
	if !termios(f, syscall.TCSETS, &quiet) {
		return readPlain(f)
	}
	restore := func() { termios(f, syscall.TCSETS, &old) }
	defer restore()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			restore()
			os.Exit(130)
		case <-done:
		}
	}()
	return readPlain(f)
}

func readPlain(f *os.File) ([]byte, error) {
	line, err := bufio.NewReader(f).ReadBytes('\n')
	if len(line) > 0 && line[len(line)-1] == '\n' {
		line = line[:len(line)-1]
	}
	if err == io.EOF {
		err = nil
	}
	return line, err
}
