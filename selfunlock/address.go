package selfunlock

import "net/netip"

// AddressKey is the source address as the per-address allowances and the
// audit tallies count it: an IPv4 address as it is, an IPv6 address as its
// /64, which one home or phone gets whole, so rotating through it does not
// buy more attempts. Anything else is counted as written.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
