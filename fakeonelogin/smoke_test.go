package fakeonelogin

import "testing"

func TestSmoke_listAndGet(t *testing.T) {
	f := newFixture(t, Options{Seed: 1})
	resp, m := f.do("GET", "/api/1/users?limit=2", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %v", resp.StatusCode, m)
	}
	data := m["data"].([]any)
	if len(data) != 2 || len(data[0].(map[string]any)) != 35 {
		t.Fatalf("data %v", data)
	}
	resp, m = f.do("GET", "/api/1/users/30100052", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%v", m)
	}
	t.Logf("%v", m["data"])
}
