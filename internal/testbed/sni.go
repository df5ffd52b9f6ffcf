package testbed

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// The StatusNotifierItem protocol (freedesktop "system tray" on Linux): an
// app exports an item and registers it with the watcher; tray hosts read
// the item's icon and its com.canonical.dbusmenu menu.
const (
	watcherName      = "org.kde.StatusNotifierWatcher"
	watcherPath      = dbus.ObjectPath("/StatusNotifierWatcher")
	watcherInterface = "org.kde.StatusNotifierWatcher"
	itemInterface    = "org.kde.StatusNotifierItem"
	menuInterface    = "com.canonical.dbusmenu"
	defaultItemPath  = dbus.ObjectPath("/StatusNotifierItem")
)

// TrayWatcher is a minimal StatusNotifierWatcher on the test's session bus,
// so the app finds a system tray: it records the items that register and
// reports one host, as a desktop panel would. Debian ships no small one,
// and bare Xvfb has none.
type TrayWatcher struct {
	conn  *dbus.Conn
	props *prop.Properties

	mu      sync.Mutex
	items   []TrayItem // live registrations, oldest first
	changed chan struct{}
}

// TrayItem is a registered StatusNotifierItem: the bus name of its owner
// and its object path.
type TrayItem struct {
	Bus  string
	Path dbus.ObjectPath
	conn *dbus.Conn
}

// MenuEntry is one item of a tray menu as a tray host reads it.
type MenuEntry struct {
	ID        int32
	Label     string
	Enabled   bool
	Visible   bool
	Separator bool
	// Depth is 0 for top-level items, 1 inside a submenu, and so on.
	Depth int
}

// Pixmap is one size of an icon as StatusNotifierItem sends it: ARGB32 in
// network byte order, row by row.
type Pixmap struct {
	Width, Height int32
	ARGB          []byte
}

// StartTrayWatcher takes org.kde.StatusNotifierWatcher on the session bus
// and serves it until the test ends. Start it before the app: the app looks
// for a tray once, at start.
func StartTrayWatcher(t testing.TB) *TrayWatcher {
	t.Helper()
	RequireSessionBus(t)
	waitNameFree(t, watcherName, 10*time.Second)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("testbed: tray watcher: connecting to the session bus: %v", err)
	}
	w := &TrayWatcher{conn: conn, changed: make(chan struct{})}
	t.Cleanup(func() {
		_, _ = conn.ReleaseName(watcherName)
		conn.Close()
		if t.Failed() {
			t.Logf("testbed: tray watcher had items %v", w.Items())
		}
	})

	if err := conn.Export(watcherMethods{w}, watcherPath, watcherInterface); err != nil {
		t.Fatalf("testbed: tray watcher: %v", err)
	}
	w.props, err = prop.Export(conn, watcherPath, prop.Map{watcherInterface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatalf("testbed: tray watcher: %v", err)
	}
	node := &introspect.Node{
		Name: string(watcherPath),
		Interfaces: []introspect.Interface{
			introspect.IntrospectData,
			prop.IntrospectData,
			{
				Name: watcherInterface,
				Methods: []introspect.Method{
					{Name: "RegisterStatusNotifierItem", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
					{Name: "RegisterStatusNotifierHost", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
				},
				Signals: []introspect.Signal{
					{Name: "StatusNotifierItemRegistered", Args: []introspect.Arg{{Type: "s"}}},
					{Name: "StatusNotifierItemUnregistered", Args: []introspect.Arg{{Type: "s"}}},
					{Name: "StatusNotifierHostRegistered"},
				},
				Properties: w.props.Introspection(watcherInterface),
			},
		},
	}
	if err := conn.Export(introspect.NewIntrospectable(node), watcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		t.Fatalf("testbed: tray watcher: %v", err)
	}

	// An item whose owner leaves the bus is gone, as with a real watcher:
	// an app started again in the same test registers afresh.
	if err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
	); err != nil {
		t.Fatalf("testbed: tray watcher: %v", err)
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	go func() {
		for sig := range signals {
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
				continue
			}
			name, _ := sig.Body[0].(string)
			newOwner, _ := sig.Body[2].(string)
			if newOwner == "" {
				w.dropOwner(name)
			}
		}
	}()

	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("testbed: tray watcher: taking %s on the session bus: reply %v, %v", watcherName, reply, err)
	}
	return w
}

// watcherMethods is what the watcher exports: only these two methods.
type watcherMethods struct{ w *TrayWatcher }

// RegisterStatusNotifierItem records an item. service is either an object
// path on the caller's connection (what fyne.io/systray sends) or a bus
// name whose item is at /StatusNotifierItem.
func (m watcherMethods) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	item := TrayItem{Bus: string(sender), Path: defaultItemPath, conn: m.w.conn}
	if strings.HasPrefix(service, "/") {
		item.Path = dbus.ObjectPath(service)
	} else if service != "" {
		item.Bus = service
	}
	m.w.add(item)
	return nil
}

// RegisterStatusNotifierHost accepts a host; this watcher always says it
// has one.
func (m watcherMethods) RegisterStatusNotifierHost(service string) *dbus.Error {
	_ = m.w.conn.Emit(watcherPath, watcherInterface+".StatusNotifierHostRegistered")
	return nil
}

func (i TrayItem) String() string { return i.Bus + string(i.Path) }

func (w *TrayWatcher) add(item TrayItem) {
	w.mu.Lock()
	// A new slice: readers hold the old one outside the lock.
	var kept []TrayItem
	for _, old := range w.items {
		if old.String() != item.String() {
			kept = append(kept, old)
		}
	}
	w.items = append(kept, item)
	w.publishLocked()
	w.mu.Unlock()
	_ = w.conn.Emit(watcherPath, watcherInterface+".StatusNotifierItemRegistered", item.String())
}

func (w *TrayWatcher) dropOwner(bus string) {
	w.mu.Lock()
	var kept, gone []TrayItem
	for _, it := range w.items {
		if it.Bus == bus {
			gone = append(gone, it)
		} else {
			kept = append(kept, it)
		}
	}
	if len(gone) == 0 {
		w.mu.Unlock()
		return
	}
	w.items = kept
	w.publishLocked()
	w.mu.Unlock()
	for _, it := range gone {
		_ = w.conn.Emit(watcherPath, watcherInterface+".StatusNotifierItemUnregistered", it.String())
	}
}

// publishLocked updates the property and wakes waiters; w.mu is held.
func (w *TrayWatcher) publishLocked() {
	names := make([]string, len(w.items))
	for i, it := range w.items {
		names[i] = it.String()
	}
	w.props.SetMust(watcherInterface, "RegisteredStatusNotifierItems", names)
	close(w.changed)
	w.changed = make(chan struct{})
}

// Items is the items registered now, oldest first.
func (w *TrayWatcher) Items() []TrayItem {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]TrayItem(nil), w.items...)
}

// WaitItem waits until an item is registered and returns the newest.
func (w *TrayWatcher) WaitItem(t testing.TB, timeout time.Duration) TrayItem {
	t.Helper()
	return w.waitItem(t, timeout, "an item", nil)
}

// WaitNewItem waits for an item other than old, for an app started again:
// the old one may not have left the watcher yet.
func (w *TrayWatcher) WaitNewItem(t testing.TB, old TrayItem, timeout time.Duration) TrayItem {
	t.Helper()
	return w.waitItem(t, timeout, "an item other than "+old.String(), func(it TrayItem) bool { return it.String() != old.String() })
}

func (w *TrayWatcher) waitItem(t testing.TB, timeout time.Duration, what string, accept func(TrayItem) bool) TrayItem {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		items, changed := w.items, w.changed
		w.mu.Unlock()
		for k := len(items) - 1; k >= 0; k-- {
			if accept == nil || accept(items[k]) {
				return items[k]
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("testbed: %s did not register with the tray watcher within %s; registered: %v", what, timeout, items)
		}
	}
}

// call makes a D-Bus call with a deadline, so a hung app fails the test
// instead of hanging it.
func (i TrayItem) call(path dbus.ObjectPath, method string, args ...any) (*dbus.Call, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call := i.conn.Object(i.Bus, path).CallWithContext(ctx, method, 0, args...)
	return call, call.Err
}

// Property reads one org.kde.StatusNotifierItem property of the item.
func (i TrayItem) Property(t testing.TB, name string) dbus.Variant {
	t.Helper()
	call, err := i.call(i.Path, "org.freedesktop.DBus.Properties.Get", itemInterface, name)
	if err != nil {
		t.Fatalf("testbed: reading %s of tray item %s: %v", name, i, err)
	}
	var v dbus.Variant
	if err := call.Store(&v); err != nil {
		t.Fatalf("testbed: reading %s of tray item %s: %v", name, i, err)
	}
	return v
}

// Status is the item's Status: Passive, Active or NeedsAttention.
func (i TrayItem) Status(t testing.TB) string {
	t.Helper()
	s, _ := i.Property(t, "Status").Value().(string)
	return s
}

// IconName is the item's themed icon name ("" when it sends pixels).
func (i TrayItem) IconName(t testing.TB) string {
	t.Helper()
	s, _ := i.Property(t, "IconName").Value().(string)
	return s
}

// IconPixmap is the item's icon as pixels, every size it offers.
func (i TrayItem) IconPixmap(t testing.TB) []Pixmap {
	t.Helper()
	v := i.Property(t, "IconPixmap")
	var out []Pixmap
	if err := dbus.Store([]any{v.Value()}, &out); err != nil {
		t.Fatalf("testbed: IconPixmap of tray item %s is %s: %v", i, v.Signature(), err)
	}
	return out
}

// Menu reads the item's menu (the object path in its Menu property) through
// com.canonical.dbusmenu.GetLayout, flattened depth first.
func (i TrayItem) Menu(t testing.TB) []MenuEntry {
	t.Helper()
	entries, err := i.menu()
	if err != nil {
		t.Fatalf("testbed: reading the menu of tray item %s: %v", i, err)
	}
	return entries
}

func (i TrayItem) menu() ([]MenuEntry, error) {
	call, err := i.call(i.Path, "org.freedesktop.DBus.Properties.Get", itemInterface, "Menu")
	if err != nil {
		return nil, err
	}
	var v dbus.Variant
	if err := call.Store(&v); err != nil {
		return nil, err
	}
	path, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		return nil, fmt.Errorf("its Menu property is %s, not an object path", v.Signature())
	}
	call, err = i.call(path, menuInterface+".GetLayout", int32(0), int32(-1), []string{})
	if err != nil {
		return nil, err
	}
	if len(call.Body) != 2 {
		return nil, fmt.Errorf("GetLayout answered %d values", len(call.Body))
	}
	root, ok := call.Body[1].([]any)
	if !ok {
		return nil, fmt.Errorf("GetLayout answered a layout of type %T", call.Body[1])
	}
	var out []MenuEntry
	// The root is the menu itself: its children are the items.
	children, err := layoutChildren(root)
	if err != nil {
		return nil, err
	}
	for _, c := range children {
		if err := flattenLayout(c, 0, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// layoutChildren reads the child list of a (ia{sv}av) layout.
func layoutChildren(layout []any) ([]dbus.Variant, error) {
	if len(layout) != 3 {
		return nil, fmt.Errorf("menu layout with %d fields, want 3", len(layout))
	}
	children, ok := layout[2].([]dbus.Variant)
	if !ok {
		return nil, fmt.Errorf("menu layout children of type %T", layout[2])
	}
	return children, nil
}

func flattenLayout(v dbus.Variant, depth int, out *[]MenuEntry) error {
	layout, ok := v.Value().([]any)
	if !ok {
		return fmt.Errorf("menu item of type %T", v.Value())
	}
	children, err := layoutChildren(layout)
	if err != nil {
		return err
	}
	id, _ := layout[0].(int32)
	props, _ := layout[1].(map[string]dbus.Variant)
	e := MenuEntry{ID: id, Enabled: true, Visible: true, Depth: depth}
	if p, ok := props["label"]; ok {
		e.Label, _ = p.Value().(string)
	}
	if p, ok := props["enabled"]; ok {
		e.Enabled, _ = p.Value().(bool)
	}
	if p, ok := props["visible"]; ok {
		e.Visible, _ = p.Value().(bool)
	}
	if p, ok := props["type"]; ok {
		s, _ := p.Value().(string)
		e.Separator = s == "separator"
	}
	*out = append(*out, e)
	for _, c := range children {
		if err := flattenLayout(c, depth+1, out); err != nil {
			return err
		}
	}
	return nil
}

// MenuLabels is the labels of the visible entries ("---" for a separator).
func MenuLabels(entries []MenuEntry) []string {
	var out []string
	for _, e := range entries {
		switch {
		case !e.Visible:
		case e.Separator:
			out = append(out, "---")
		default:
			out = append(out, e.Label)
		}
	}
	return out
}

// WaitMenu reads the menu until ok accepts it (the app fills and updates
// its menu as it loads) and returns it; after timeout it fails with what
// the menu showed last.
func (i TrayItem) WaitMenu(t testing.TB, what string, timeout time.Duration, ok func([]MenuEntry) bool) []MenuEntry {
	t.Helper()
	var entries []MenuEntry
	waitFor(t, "the tray menu to show "+what, timeout, nil, func() (bool, string) {
		var err error
		if entries, err = i.menu(); err != nil {
			return false, err.Error()
		}
		return ok(entries), fmt.Sprintf("it shows %q", MenuLabels(entries))
	})
	return entries
}

// WaitMenuLabel waits until the menu has a visible item labelled label.
func (i TrayItem) WaitMenuLabel(t testing.TB, label string, timeout time.Duration) []MenuEntry {
	t.Helper()
	return i.WaitMenu(t, fmt.Sprintf("%q", label), timeout, func(entries []MenuEntry) bool {
		_, found := findEntry(entries, label)
		return found
	})
}

func findEntry(entries []MenuEntry, label string) (MenuEntry, bool) {
	for _, e := range entries {
		if e.Visible && !e.Separator && e.Label == label {
			return e, true
		}
	}
	return MenuEntry{}, false
}

// Click clicks the menu item labelled label, as a tray host does:
// com.canonical.dbusmenu.Event(id, "clicked", 0, 0). The menu is read just
// before, so the id is current.
func (i TrayItem) Click(t testing.TB, label string) {
	t.Helper()
	entries := i.Menu(t)
	e, ok := findEntry(entries, label)
	if !ok {
		t.Fatalf("testbed: tray menu has no item %q: %q", label, MenuLabels(entries))
	}
	if !e.Enabled {
		t.Fatalf("testbed: tray menu item %q is disabled", label)
	}
	path := i.Property(t, "Menu").Value().(dbus.ObjectPath)
	if _, err := i.call(path, menuInterface+".Event", e.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(0)); err != nil {
		t.Fatalf("testbed: clicking tray menu item %q: %v", label, err)
	}
}

// Activate is a primary click on the icon itself, as a tray host sends it
// (org.kde.StatusNotifierItem.Activate at 0,0).
func (i TrayItem) Activate(t testing.TB) {
	t.Helper()
	if _, err := i.call(i.Path, itemInterface+".Activate", int32(0), int32(0)); err != nil {
		t.Fatalf("testbed: activating tray item %s: %v", i, err)
	}
}
