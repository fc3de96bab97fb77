package views

import (
	"strconv"
	"time"

	"onelogin-helpdesk/reports"
)

// ReportsForm is the Reports page's query as typed.
type ReportsForm struct {
	Period   string // day or week
	From, To string // YYYY-MM-DD, inclusive
}

// ReportsView is the Reports page: charts, each with its table and CSV.
type ReportsView struct {
	Page Page
	Form ReportsForm
	// Error explains a query that cannot be answered; nothing was read.
	Error string
	// Unavailable explains that the trail could not be read.
	Unavailable string
	Report      *reports.Report
	// CSV is each table's download address, by table name.
	CSV map[string]string
	Loc *time.Location
}

// Chart is a bar chart drawn on the server as SVG: no script, no inline
// style; colours come from the series' classes.
type Chart struct {
	ID, Title, Desc string
	// Series name the stacked parts of each bar, drawn with the classes
	// chart-s1, chart-s2…
	Series []string
	Bars   []Bar
	// Horizontal draws one labelled row per bar (names, addresses).
	Horizontal bool
}

// Bar is one bar: a label and a value per series.
type Bar struct {
	Label  string
	Values []int
}

// Rect is one drawn part of a bar.
type Rect struct {
	X, Y, W, H string
	Class      string
	Title      string
}

// Text is one label.
type Text struct {
	X, Y   string
	Anchor string
	Text   string
}

// Chart geometry, in the SVG's own units.
const (
	chartW      = 720
	chartH      = 240
	plotLeft    = 44
	plotRight   = 712
	plotTop     = 12
	plotBottom  = 204
	rowH        = 24
	labelW      = 260
	maxXLabels  = 10
	barFraction = 0.7
)

// ViewBox is the SVG's coordinate box.
func (c Chart) ViewBox() string {
	return "0 0 " + strconv.Itoa(chartW) + " " + strconv.Itoa(c.height())
}

func (c Chart) height() int {
	if c.Horizontal {
		return rowH*max(len(c.Bars), 1) + 8
	}
	return chartH
}

// top is the largest bar, rounded up to a number that reads well, and at
// least 1.
func (c Chart) top() int {
	m := 1
	for _, b := range c.Bars {
		s := 0
		for _, v := range b.Values {
			s += v
		}
		m = max(m, s)
	}
	return roundUpNice(m)
}

// roundUpNice rounds m up to 1, 2, 4, 5 or 10 times a power of ten.
func roundUpNice(m int) int {
	for p := 1; ; p *= 10 {
		for _, s := range []int{1, 2, 4, 5, 10} {
			if s*p >= m {
				return s * p
			}
		}
	}
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Rects are the bars' parts.
func (c Chart) Rects() []Rect {
	var out []Rect
	top := float64(c.top())
	for i, b := range c.Bars {
		at := 0.0
		for j, v := range b.Values {
			if v <= 0 {
				continue
			}
			r := Rect{Class: "chart-s" + strconv.Itoa(j+1), Title: b.Label + ": " + strconv.Itoa(v)}
			if len(c.Series) > 1 {
				r.Title = b.Label + ", " + c.Series[j] + ": " + strconv.Itoa(v)
			}
			if c.Horizontal {
				span := float64(plotRight - labelW - 40)
				w := float64(v) / top * span
				r.X, r.Y, r.W, r.H = f(labelW+at), f(float64(i*rowH+4)), f(w), f(rowH-8)
				at += w
			} else {
				slot := float64(plotRight-plotLeft) / float64(len(c.Bars))
				h := float64(v) / top * (plotBottom - plotTop)
				r.X, r.W = f(plotLeft+float64(i)*slot+slot*(1-barFraction)/2), f(slot*barFraction)
				r.Y, r.H = f(plotBottom-at-h), f(h)
				at += h
			}
			out = append(out, r)
		}
	}
	return out
}

// Labels are the bars' labels (and, horizontal, their totals) and the
// vertical axis's values.
func (c Chart) Labels() []Text {
	var out []Text
	if c.Horizontal {
		for i, b := range c.Bars {
			y := f(float64(i*rowH) + rowH/2 + 4)
			out = append(out, Text{X: f(labelW - 8), Y: y, Anchor: "end", Text: b.Label})
			total := 0
			for _, v := range b.Values {
				total += v
			}
			span := float64(plotRight - labelW - 40)
			out = append(out, Text{X: f(labelW + float64(total)/float64(c.top())*span + 6), Y: y, Anchor: "start", Text: strconv.Itoa(total)})
		}
		return out
	}
	top := c.top()
	for _, v := range []int{0, top / 2, top} {
		y := plotBottom - float64(v)/float64(top)*(plotBottom-plotTop)
		out = append(out, Text{X: f(plotLeft - 6), Y: f(y + 4), Anchor: "end", Text: strconv.Itoa(v)})
	}
	step := (len(c.Bars) + maxXLabels - 1) / maxXLabels
	slot := float64(plotRight-plotLeft) / float64(max(len(c.Bars), 1))
	for i, b := range c.Bars {
		if i%max(step, 1) == 0 {
			out = append(out, Text{X: f(plotLeft + float64(i)*slot + slot/2), Y: f(plotBottom + 20), Anchor: "middle", Text: b.Label})
		}
	}
	return out
}

// Axis is the baseline of a vertical chart.
func (c Chart) Axis() Rect {
	return Rect{X: f(plotLeft), Y: f(plotBottom), W: f(plotRight - plotLeft), H: "1", Class: "chart-axis"}
}

// SeriesClass is the class of series i.
func SeriesClass(i int) string { return "chart-s" + strconv.Itoa(i+1) }

// Charts are the page's charts, from the report.
func (v ReportsView) Charts() (unlocks, changes, median, agents, sources Chart) {
	r := v.Report
	short := func(t time.Time) string { return t.Format("2 Jan") }
	unlocks = Chart{ID: "chart-unlocks", Title: "Unlocks per " + string(r.Query.Period),
		Desc:   "Unlocks by the helpdesk and by the people themselves, stacked, per " + string(r.Query.Period) + ".",
		Series: []string{"By the helpdesk", "Self-service"}}
	changes = Chart{ID: "chart-changes", Title: "Password resets, set-password links and temporary MFA tokens per " + string(r.Query.Period),
		Desc:   "The three, stacked, per " + string(r.Query.Period) + ".",
		Series: []string{"Password resets", "Set-password links", "Temporary MFA tokens"}}
	median = Chart{ID: "chart-median", Title: "Median minutes from lock to unlock per " + string(r.Query.Period),
		Desc: "The median, in minutes, of the unlocks whose lock's start is known.", Series: []string{"Median minutes"}}
	for _, row := range r.Rows {
		l := short(row.Start)
		unlocks.Bars = append(unlocks.Bars, Bar{Label: l, Values: []int{row.Unlocks, row.SelfUnlocks}})
		changes.Bars = append(changes.Bars, Bar{Label: l, Values: []int{row.PasswordResets, row.PasswordLinks, row.TempTokens}})
		median.Bars = append(median.Bars, Bar{Label: l, Values: []int{int(row.Median.Round(time.Minute) / time.Minute)}})
	}
	agents = Chart{ID: "chart-agents", Title: "Unlocks by agent", Horizontal: true,
		Desc:   "Unlocks by each member of staff, and by the people themselves.",
		Series: []string{"Unlocks"}}
	for _, a := range r.Agents {
		if n := a.Unlocks + a.SelfUnlocks; n > 0 {
			agents.Bars = append(agents.Bars, Bar{Label: a.Name(), Values: []int{n}})
		}
	}
	sources = Chart{ID: "chart-sources", Title: "Top addresses asking to unlock", Horizontal: true,
		Desc: "Requests on the public unlock page by source address, most first.", Series: []string{"Requests"}}
	for _, s := range r.Sources {
		sources.Bars = append(sources.Bars, Bar{Label: s.Address, Values: []int{s.Count}})
	}
	return
}

// DurationWords is a median as a person reads it: "12 minutes", "2 h 05".
func DurationWords(d time.Duration, timed int) string {
	if timed == 0 {
		return "not known"
	}
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return plural(m, "minute")
	}
	return strconv.Itoa(m/60) + " h " + twoDigits(m%60)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
