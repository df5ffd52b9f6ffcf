package testbed

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	_ "image/png" // screenshots are PNG
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Display is an Xvfb X server (1280x800x24, no TCP) for the test.
type Display struct {
	// Name is the DISPLAY value, e.g. ":3".
	Name string
	proc *Process
}

// StartXvfb starts Xvfb on a display number it picks itself and waits for
// it through -displayfd: Xvfb writes the number there once it accepts
// clients. -noreset because an X server resets when its last client leaves,
// and a client connecting during that reset is refused: a test's xdotool
// poll closing just as the app opened its window failed the app with
// "X11: Failed to open display".
func StartXvfb(t testing.TB) *Display {
	t.Helper()
	bin := LookTool(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	defer r.Close()
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset")
	cmd.Env = Env(t)
	cmd.ExtraFiles = []*os.File{w} // fd 3 in the child
	p := StartProcess(t, "Xvfb", cmd)
	w.Close()

	if err := r.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	num := strings.TrimSpace(line)
	if err != nil || num == "" {
		p.Stop()
		t.Fatalf("testbed: Xvfb did not report its display on -displayfd (%v, %s)\n%s", err, p.exitText(), p.Output())
	}
	return &Display{Name: ":" + num, proc: p}
}

// Env is the environment for a program on this display: this process's
// environment (isolated HOME, the session bus) plus DISPLAY and LANG.
func (d *Display) Env(t testing.TB, extra ...string) []string {
	t.Helper()
	return Env(t, append([]string{"DISPLAY=" + d.Name, "LANG=" + Locale}, extra...)...)
}

func (d *Display) run(t testing.TB, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(LookTool(t, name), args...)
	cmd.Env = d.Env(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// Screenshot saves the whole screen to <root>/artifacts/<name> (".png" is
// added if missing) with ImageMagick's import, and returns the path.
func (d *Display) Screenshot(t testing.TB, name string) string {
	t.Helper()
	path := d.screenshot(t, "root", name)
	t.Logf("testbed: screenshot saved to %s", path)
	return path
}

// ScreenshotWindow saves one window (an id from WaitWindow) like Screenshot.
func (d *Display) ScreenshotWindow(t testing.TB, window, name string) string {
	t.Helper()
	path := d.screenshot(t, window, name)
	t.Logf("testbed: screenshot saved to %s", path)
	return path
}

func (d *Display) screenshot(t testing.TB, window, name string) string {
	t.Helper()
	if !strings.HasSuffix(name, ".png") {
		name += ".png"
	}
	path := filepath.Join(ArtifactsDir(t), name)
	if _, err := d.run(t, "import", "-window", window, path); err != nil {
		t.Fatalf("testbed: screenshot: %v", err)
	}
	return path
}

// WaitWindow waits until a visible window whose title matches the regular
// expression title exists, and returns its X window id. Use
// regexp.QuoteMeta for a plain substring.
func (d *Display) WaitWindow(t testing.TB, title string, timeout time.Duration) string {
	t.Helper()
	LookTool(t, "xdotool")
	var id string
	waitFor(t, fmt.Sprintf("a window titled %q on %s", title, d.Name), timeout, d.proc, func() (bool, string) {
		ids := d.findWindows(t, title)
		if len(ids) == 0 {
			return false, "windows now:\n" + d.WindowTree(t)
		}
		id = ids[0]
		return true, ""
	})
	return id
}

// FindWindows lists the visible windows whose title matches the regular
// expression title (none is not an error).
func (d *Display) FindWindows(t testing.TB, title string) []string {
	t.Helper()
	return d.findWindows(t, title)
}

func (d *Display) findWindows(t testing.TB, title string) []string {
	t.Helper()
	if _, err := regexp.Compile(title); err != nil {
		t.Fatalf("testbed: window title pattern %q: %v", title, err)
	}
	// xdotool exits 1 with no output when nothing matches.
	out, _ := d.run(t, "xdotool", "search", "--onlyvisible", "--name", title)
	return strings.Fields(string(out))
}

// WindowName is the title of the window id.
func (d *Display) WindowName(t testing.TB, id string) string {
	t.Helper()
	out, err := d.run(t, "xdotool", "getwindowname", id)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// WindowTree is `xwininfo -root -tree`, for failure messages.
func (d *Display) WindowTree(t testing.TB) string {
	t.Helper()
	out, err := d.run(t, "xwininfo", "-root", "-tree")
	if err != nil {
		return err.Error()
	}
	return string(out)
}

// ScreenshotPainted takes screenshots of the whole screen until one is not
// blank (more than 20 colours: the window has painted) and returns its
// path, <root>/artifacts/<name>; after timeout it fails, keeping the last
// (blank) screenshot there for a person to look at.
func (d *Display) ScreenshotPainted(t testing.TB, name string, timeout time.Duration) string {
	t.Helper()
	var path string
	waitFor(t, "a painted screen for "+name, timeout, d.proc, func() (bool, string) {
		path = d.screenshot(t, "root", name)
		n, err := CountColors(path, 21)
		if err != nil {
			return false, err.Error()
		}
		return n > 20, fmt.Sprintf("%s has only %d colours", path, n)
	})
	t.Logf("testbed: screenshot saved to %s", path)
	return path
}

// CountColors counts the distinct colours in a PNG, stopping at limit.
func CountColors(path string, limit int) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return 0, fmt.Errorf("decoding %s: %w", path, err)
	}
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen), nil
			}
		}
	}
	return len(seen), nil
}

// AssertNotBlank fails unless the PNG at path has more than 20 distinct
// colours: a drawn window has text and icons; an empty screen or a window
// that never painted has one or two.
func AssertNotBlank(t testing.TB, path string) {
	t.Helper()
	n, err := CountColors(path, 21)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if n <= 20 {
		t.Fatalf("screenshot %s looks blank: only %d distinct colours", path, n)
	}
}

// Click moves the pointer to x,y on the display and clicks the left button.
func (d *Display) Click(t testing.TB, x, y int) {
	t.Helper()
	if out, err := d.run(t, "xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1"); err != nil {
		t.Fatalf("testbed: xdotool click at %d,%d: %v: %s", x, y, err, out)
	}
}

// ScreenshotUntil takes screenshots until show says the screen shows what
// the test waits for (a repaint can lag the app's own log line), and returns
// the path; after timeout it fails, keeping the last screenshot.
func (d *Display) ScreenshotUntil(t testing.TB, name string, timeout time.Duration, what string, show func(image.Image) bool) string {
	t.Helper()
	var path string
	waitFor(t, what+" on screen ("+name+")", timeout, d.proc, func() (bool, string) {
		path = d.screenshot(t, "root", name)
		f, err := os.Open(path)
		if err != nil {
			return false, err.Error()
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			return false, err.Error()
		}
		return show(img), path + " does not show it yet"
	})
	t.Logf("testbed: screenshot saved to %s", path)
	return path
}

// CountPixels counts the pixels of img for which match is true.
func CountPixels(img image.Image, match func(r, g, b uint8) bool) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if match(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
				n++
			}
		}
	}
	return n
}
