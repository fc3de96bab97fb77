package selfunlock

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"onelogin-helpdesk/client"
)

var decoyPhones = []string{"iPhone 15", "iPhone 13 mini", "Pixel 8", "Pixel 7a", "Galaxy S24", "Galaxy A54", "OnePlus 12"}

// decoy is the made-up list shown for login, which gets no real one (no
// such account, not locked, no usable factor), drawn from the shapes of the
// real lists the page has shown.
func (s *Service) decoy(ctx context.Context, login string) []Factor {
	counts := s.shapes.current(ctx, s.now(), s.log)
	return decoyFactors(s.decoyKey, login, shapeWeights(counts, s.verifier.Kinds))
}

// learn counts the shape of a real list the page is about to show for the
// account key, at most once per account every learnEvery. It only logs
// its failures: a real look-up must not fail where a decoy would not.
func (s *Service) learn(ctx context.Context, key string, factors []Factor) {
	ok, _, err := s.learnt.Take(ctx, key)
	if err == nil && ok {
		err = s.shapes.store.CountFactorShape(ctx, shapeOf(factors), MaxShapes, MaxShapeTotal)
	}
	if err != nil {
		s.log.WarnContext(ctx, "public unlock: a real list's shape was not counted", "error", err)
	}
}

// decoyFactors makes up the factors shown for login. Its shape is chosen
// among shapes by weighted rendezvous hashing: each shape scores
// -ln(u)/weight, u uniform in (0,1) from a keyed hash of the login and the
// shape, and the lowest wins. A shape wins as often as its share of the
// weight, the same login gets the same shape wherever it is asked, and when
// one shape's weight grows, logins only move to it (the fewest that can),
// so a list changes as rarely as the counts allow. The devices come from a
// keyed hash of the login alone, labelled by the same
// client.OTPDevice.Label as real ones.
func decoyFactors(key []byte, login string, shapes []weightedShape) []Factor {
	login = asciiLower(strings.TrimSpace(login))
	best, bestScore := -1, math.Inf(1)
	for i, sh := range shapes {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("shape\x00" + login + "\x00" + sh.key))
		u := (float64(binary.BigEndian.Uint64(m.Sum(nil))>>11) + 0.5) / (1 << 53)
		if score := -math.Log(u) / sh.weight; score < bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(login))
	b := m.Sum(nil)
	out := make([]Factor, 0, len(shapes[best].kinds))
	for i, k := range shapes[best].kinds {
		d := client.OTPDevice{FactorName: k.String(), TypeName: k.String()}
		switch k {
		case client.FactorProtect: // a second Protect is another phone
			d.FactorName, d.DeviceName = "OneLogin Protect", decoyPhones[(int(b[0])+i)%len(decoyPhones)]
		case client.FactorSMS:
			d.FactorName, d.PhoneNumber = "OneLogin SMS", fmt.Sprintf("+1xxxxxxx%04d", (int(b[1+2*i])<<8|int(b[2+2*i]))%10000)
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
