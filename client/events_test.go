package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// docsEvent is the event of the docs' GET /api/1/events sample (reference
// §2.1), with risk fields from the event resource page filled in.
const docsEvent = `{"id":36114558381,"created_at":"2024-05-02T08:59:14.190Z","account_id":12345,"user_id":279115532,
 "event_type_id":6,"notes":null,"ipaddr":"203.0.113.24","actor_user_id":279115532,"assuming_acting_user_id":null,
 "role_id":null,"app_id":null,"group_id":null,"otp_device_id":null,"policy_id":null,"actor_system":"",
 "custom_message":null,"role_name":null,"app_name":null,"group_name":null,"actor_user_name":"Dana Reyes",
 "user_name":"Dana Reyes","policy_name":null,"otp_device_name":null,"operation_name":null,
 "directory_sync_run_id":null,"directory_id":null,"resolution":null,"client_id":null,"resource_type_id":null,
 "error_description":null,"proxy_ip":null,"risk_score":48,"risk_reasons":"New device\nUnusual location","risk_cookie_id":null,
 "browser_fingerprint":null}`

var docsEventWant = Event{
	ID: 36114558381, CreatedAt: time.Date(2024, 5, 2, 8, 59, 14, 190e6, time.UTC), AccountID: 12345,
	UserID: 279115532, TypeID: 6, IPAddr: "203.0.113.24", ActorUserID: 279115532,
	ActorUserName: "Dana Reyes", UserName: "Dana Reyes", RiskScore: 48, RiskReasons: []string{"New device", "Unusual location"},
}

func TestEvents_ListEvents_query(t *testing.T) {
	since := time.Date(2024, 5, 1, 8, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	for _, tc := range []struct {
		name string
		q    EventQuery
		want url.Values
	}{
		{"empty: newest first", EventQuery{}, url.Values{"sort": {"-created_at"}}},
		{"one type", EventQuery{TypeIDs: []int{EventLocked}}, url.Values{"event_type_id": {"19"}, "sort": {"-created_at"}}},
		{"several types comma-separated", EventQuery{TypeIDs: []int{EventLoginFailed, EventLocked, EventLockedViaAPI}, UserID: 279115532},
			url.Values{"event_type_id": {"6,19,553"}, "user_id": {"279115532"}, "sort": {"-created_at"}}},
		// Milliseconds always, as documented (2024-05-02T08:59:14.123Z).
		{"window in UTC with milliseconds", EventQuery{Since: since, Until: since.Add(90*time.Minute + 123456789*time.Nanosecond), CreatedAt: since},
			url.Values{"since": {"2024-05-01T06:00:00.000Z"}, "until": {"2024-05-01T07:30:00.123Z"}, "created_at": {"2024-05-01T06:00:00.000Z"}, "sort": {"-created_at"}}},
		{"every other filter", EventQuery{ClientID: "abc", DirectoryID: 9, ID: 36114558381, Resolution: "solved", Limit: 20, Sort: "+id",
			Fields: []string{"id", "event_type_id"}, AfterCursor: "A", BeforeCursor: "B"},
			url.Values{"client_id": {"abc"}, "directory_id": {"9"}, "id": {"36114558381"}, "resolution": {"solved"}, "limit": {"20"},
				"sort": {"+id"}, "fields": {"id,event_type_id"}, "after_cursor": {"A"}, "before_cursor": {"B"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("GET /api/1/events", 200, listOf(`[]`, ""))
			if _, _, err := a.client().ListEvents(context.Background(), tc.q); err != nil {
				t.Fatal(err)
			}
			r := a.recorded()[0]
			got, _ := url.ParseQuery(r.RawQuery)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("query %v\n want %v", got, tc.want)
			}
			if strings.Contains(r.RawQuery, "+") {
				t.Errorf("raw query %q has a + that would arrive as a space", r.RawQuery)
			}
			if r.Header.Get("Authorization") != a.currentToken() {
				t.Errorf("Authorization %q", r.Header.Get("Authorization"))
			}
		})
	}
}

func TestEvents_ListEvents_docsSample(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/events", 200, listOf(`[`+docsEvent+`]`, "YWNjb3VudF9pZA"))
	events, page, err := a.client().ListEvents(context.Background(), EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || !reflect.DeepEqual(events[0], docsEventWant) || page.AfterCursor != "YWNjb3VudF9pZA" {
		t.Errorf("events %+v\nwant %+v\npage %+v", events, docsEventWant, page)
	}
}

// Fields OneLogin's sources disagree on, or may send oddly, decode anyway.
func TestEvents_decodeTolerantFields(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event string
		want  Event
	}{
		{"every key null", `{"id":1,"created_at":null,"user_id":null,"event_type_id":5,"risk_score":null,"risk_reasons":null,"actor_system":null}`,
			Event{ID: 1, TypeID: 5}},
		{"ids as strings", `{"id":"36114558381","user_id":"279115532","event_type_id":"19","app_id":"412035"}`,
			Event{ID: 36114558381, UserID: 279115532, TypeID: 19, AppID: 412035}},
		{"client_id as a number", `{"id":1,"client_id":12345}`, Event{ID: 1, ClientID: "12345"}},
		{"risk_score as text", `{"id":1,"risk_score":"48"}`, Event{ID: 1, RiskScore: 48}},
		{"risk_score with a fraction", `{"id":1,"risk_score":47.6}`, Event{ID: 1, RiskScore: 48}},
		{"risk_reasons as a list", `{"id":1,"risk_reasons":["New device"," ","Tor exit node"]}`, Event{ID: 1, RiskReasons: []string{"New device", "Tor exit node"}}},
		{"risk_reasons with CRLF and blank lines", `{"id":1,"risk_reasons":"New device\r\n\r\nNew city\n"}`, Event{ID: 1, RiskReasons: []string{"New device", "New city"}}},
		{"risk_reasons empty", `{"id":1,"risk_reasons":""}`, Event{ID: 1}},
		{"hyphenated names of the docs table", `{"id":1,"app-name":"Slack","group-name":"Sales"}`, Event{ID: 1, AppName: "Slack", GroupName: "Sales"}},
		{"underscored names win", `{"id":1,"app_name":"Slack","app-name":"Other"}`, Event{ID: 1, AppName: "Slack"}},
		{"Event Broadcaster keys ignored", `{"id":1,"login_name":"dana","user_agent":"Mozilla/5.0","uuid":"x","solved":true}`, Event{ID: 1}},
		{"system actor", `{"id":1,"actor_user_name":"API","actor_system":"API","actor_user_id":null,"client_id":"4c1e"}`,
			Event{ID: 1, ActorUserName: "API", ActorSystem: "API", ClientID: "4c1e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("GET /api/1/events", 200, listOf(`[`+tc.event+`]`, ""))
			events, _, err := a.client().ListEvents(context.Background(), EventQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || !reflect.DeepEqual(events[0], tc.want) {
				t.Errorf("got %+v\nwant %+v", events, tc.want)
			}
		})
	}
}

func TestEvents_decodeRefusesWhatCannotBeRead(t *testing.T) {
	for _, bad := range []string{`{"id":1,"created_at":"yesterday"}`, `{"id":1,"risk_score":"high"}`, `{"id":{}}`, `{"id":1,"risk_reasons":{}}`} {
		a := newTestAPI(t)
		a.reply("GET /api/1/events", 200, listOf(`[`+bad+`]`, ""))
		_, _, err := a.client().ListEvents(context.Background(), EventQuery{})
		var te *TransportError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "unreadable answer") {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestEvents_GetEvent_arrayOrObject(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"array of one (docs)", `[` + docsEvent + `]`},
		{"object (generated SDK)", docsEvent},
		{"nested", `[[` + docsEvent + `]]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			a.reply("GET /api/1/events/36114558381", 200, envelopeOf(tc.data))
			e, err := a.client().GetEvent(context.Background(), 36114558381)
			if err != nil || !reflect.DeepEqual(*e, docsEventWant) {
				t.Errorf("event %+v err %v", e, err)
			}
		})
	}
}

func TestEvents_GetEvent_wrongCountOrMissing(t *testing.T) {
	a := newTestAPI(t)
	a.reply("GET /api/1/events/1", 200, envelopeOf(`[]`))
	a.reply("GET /api/1/events/2", 200, envelopeOf(`[`+docsEvent+`,`+docsEvent+`]`))
	a.reply("GET /api/1/events/3", 404, `{"status":{"error":true,"code":404,"type":"not found","message":"Event for id 3 was not found"}}`)
	c := a.client()
	for _, id := range []int64{1, 2} {
		if _, err := c.GetEvent(context.Background(), id); err == nil || !strings.Contains(err.Error(), "want one event") {
			t.Errorf("id %d: err = %v", id, err)
		}
	}
	_, err := c.GetEvent(context.Background(), 3)
	var e *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.Message != "Event for id 3 was not found" || e.Op != "GetEvent" {
		t.Errorf("err = %v", err)
	}
}

func TestEvents_EventTypes_decodedAndCachedForADay(t *testing.T) {
	a := newTestAPI(t)
	var calls atomic.Int64
	a.handle("GET /api/1/events/types", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != a.currentToken() {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		writeJSON(w, 200, envelopeOf(`[{"id":5,"name":"USER_LOGGED_INTO_ONELOGIN","description":"%user% logged into OneLogin"},
			{"id":"6","name":"USER_FAILED_ONELOGIN_LOGIN","description":"%user% failed authentication","reference":null}]`))
	})
	c := a.client()
	now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	want := []EventType{{5, "USER_LOGGED_INTO_ONELOGIN", "%user% logged into OneLogin"}, {6, "USER_FAILED_ONELOGIN_LOGIN", "%user% failed authentication"}}
	for _, step := range []struct {
		advance time.Duration
		calls   int64
	}{{0, 1}, {time.Hour, 1}, {23*time.Hour - time.Second, 1}, {time.Second, 2}, {time.Minute, 2}} {
		now = now.Add(step.advance)
		types, err := c.EventTypes(context.Background())
		if err != nil || !reflect.DeepEqual(types, want) {
			t.Fatalf("types %v err %v", types, err)
		}
		types[0].Name = "changed by the caller"
		if n := calls.Load(); n != step.calls {
			t.Fatalf("after +%v: %d calls, want %d", step.advance, n, step.calls)
		}
	}
}

func TestEvents_EventTypes_failureNotCached(t *testing.T) {
	a := newTestAPI(t)
	var fail atomic.Bool
	fail.Store(true)
	a.handle("GET /api/1/events/types", func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			writeJSON(w, 500, `{"status":{"error":true,"code":500,"type":"internal server error","message":"Internal Server Error"}}`)
			return
		}
		writeJSON(w, 200, envelopeOf(`[[{"id":19,"name":"USER_LOCKED","description":"%user% was locked"}]]`))
	})
	c := a.client()
	if _, err := c.EventTypes(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	fail.Store(false)
	types, err := c.EventTypes(context.Background())
	if err != nil || len(types) != 1 || types[0].ID != 19 {
		t.Errorf("types %v err %v", types, err)
	}
}
