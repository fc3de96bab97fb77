package fakeonelogin

import "time"

// Lock locks user id for minutes as PUT lock_user would: status Locked
// until then, and a USER_LOCKED_VIA_API event with the API as actor. It is
// for a demo or test that needs someone locked by staff before any client
// has a token (the demo's console records such a lock at start-up). It
// reports false for an unknown user or fewer than one minute.
func (t *Tenant) Lock(id int64, minutes int) bool {
	if minutes < 1 {
		return false
	}
	now := t.clock.Now().UTC()
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[id]
	if !ok {
		return false
	}
	until := now.Add(time.Duration(minutes) * time.Minute)
	u.status, u.lockedUntil, u.updatedAt = StatusLocked, &until, now
	t.addEvent(&event{createdAt: now, typeID: EventUserLockedViaAPI, userID: u.id, userName: displayName(u),
		actorUserName: apiActor, actorSystem: apiActor, ipaddr: "127.0.0.1", clientID: t.opts.ClientID})
	return true
}
