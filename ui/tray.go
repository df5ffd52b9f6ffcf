package ui

import "github.com/socialomm/desktop/core/account"

// setupTray puts SocialOmm in the system tray where the desktop has one, and
// decides what closing the Accounts window does. (Filled in by the tray work.)
func (s *shell) setupTray() {}

// accountsShown tells the tray the accounts now on screen.
func (s *shell) accountsShown(list []account.Account) {}
