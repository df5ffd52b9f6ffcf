package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSecondAcquireIsRefusedAndCanRaiseTheFirst(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan struct{}, 1)
	first.Serve(func() { shown <- struct{}{} })

	_, err = Acquire(dir, nil)
	if !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Fatalf("second Acquire: %v", err)
	}
	if !AskToShow(context.Background(), dir) {
		t.Fatal("the running instance did not answer")
	}
	<-shown

	first.Release()
	again, err := Acquire(dir, nil)
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
