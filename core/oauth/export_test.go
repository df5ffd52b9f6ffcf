package oauth

// Rejected is how many callbacks were refused because their state was wrong or
// missing: a sign-in that did not come from this attempt.
func (s *Session) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}
