package selfunlock

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"onelogin-helpdesk/client"
)

// decoyWeights are roughly how often each kind is enrolled, so made-up
// lists look like real ones.
var decoyWeights = map[client.FactorKind]int{
	client.FactorProtect: 50, client.FactorAuthenticator: 25, client.FactorSMS: 15,
	client.FactorEmail: 7, client.FactorYubiKey: 3,
}

var decoyPhones = []string{"iPhone 15", "iPhone 13 mini", "Pixel 8", "Pixel 7a", "Galaxy S24", "Galaxy A54", "OnePlus 12"}

// decoyFactors makes up the factors shown for a login that gets no real
// ones (no such account, not locked, no usable factor). They come from a
// keyed hash of the login, so the same login shows the same list on every
// visit, as a real account would; the labels are made by the same
// client.OTPDevice.Label as real ones.
func decoyFactors(key []byte, login string, allowed []client.FactorKind) []Factor {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(asciiLower(strings.TrimSpace(login))))
	b := m.Sum(nil)
	n := 1
	if b[0] < 64 && len(allowed) > 1 { // about a quarter have two
		n = 2
	}
	total := 0
	for _, k := range allowed {
		total += decoyWeights[k]
	}
	var out []Factor
	for i := 0; len(out) < n && i < 8; i++ {
		r := (int(b[1+2*i])<<8 | int(b[2+2*i])) % total
		var k client.FactorKind
		for _, a := range allowed {
			if r -= decoyWeights[a]; r < 0 {
				k = a
				break
			}
		}
		if slices.ContainsFunc(out, func(f Factor) bool { return f.kind == k }) {
			continue
		}
		d := client.OTPDevice{FactorName: k.String(), TypeName: k.String()}
		switch k {
		case client.FactorProtect:
			d.FactorName, d.DeviceName = "OneLogin Protect", decoyPhones[int(b[20])%len(decoyPhones)]
		case client.FactorSMS:
			d.FactorName, d.PhoneNumber = "OneLogin SMS", fmt.Sprintf("+1xxxxxxx%04d", (int(b[21])<<8|int(b[22]))%10000)
		case client.FactorEmail:
			d.FactorName, d.DeviceName = "OneLogin Email", "Work email"
		case client.FactorAuthenticator:
			d.FactorName = "Google Authenticator"
		}
		out = append(out, Factor{kind: k, push: k == client.FactorProtect, dev: d, label: d.Label()})
	}
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
