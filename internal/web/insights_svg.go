package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"parvis/internal/insights"
)

// Charts are drawn here, on the server, as SVG: no script, no library. Each
// carries a title and a description for screen readers, and the page puts
// its data table right after it. Colours are presentation attributes (the
// page's Content-Security-Policy forbids inline styles); axes and labels
// take the text colour, so they read in light and dark themes.

// chartSeries is one line of a chart.
type chartSeries struct {
	Name   string
	Colour string
	Points []insights.Point
}

// chartColours are distinguishable for the common colour blindnesses and
// readable on light and dark backgrounds.
var chartColours = []string{"#3b7dd8", "#e08a00", "#2e9e6a", "#c4467a"}

const (
	chartW, chartH         = 640, 220
	padL, padR, padT, padB = 52, 12, 14, 34
)

// niceMax rounds a maximum up so that the four grid steps are 1, 2, 2.5
// or 5 times a power of ten, and whole numbers (counts are whole).
func niceMax(v float64) float64 {
	step := v / 4
	if step <= 1 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && p < 10 {
			continue
		}
		if step <= m*p {
			return 4 * m * p
		}
	}
	return 40 * p
}

// formatNumber writes a figure for axes and tables: whole numbers plainly,
// others with two decimals.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// lineChart draws series over the same days on one scale.
func lineChart(id, title, desc string, series []chartSeries) template.HTML {
	var b strings.Builder
	n := 0
	maxV := 0.0
	for _, s := range series {
		n = max(n, len(s.Points))
		for _, p := range s.Points {
			maxV = max(maxV, p.Value)
		}
	}
	top := niceMax(maxV)
	padT := 14
	if len(series) > 1 {
		padT = 28 // room for the legend
	}
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	x := func(i int) float64 {
		if n <= 1 {
			return padL + plotW/2
		}
		return padL + plotW*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return float64(padT) + plotH*(1-v/top) }
	svgOpen(&b, id, title, desc)
	grid(&b, top, y)
	if n > 0 && len(series) > 0 {
		pts := series[0].Points
		for _, i := range labelIndexes(n) {
			anchor := "middle"
			switch {
			case n > 1 && i == 0:
				anchor = "start"
			case n > 1 && i == n-1:
				anchor = "end"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" font-size="11" fill="currentColor">%s</text>`,
				x(i), chartH-padB+18, anchor, html.EscapeString(pts[i].Date))
		}
	}
	for si, s := range series {
		colour := s.Colour
		if colour == "" {
			colour = chartColours[si%len(chartColours)]
		}
		var path strings.Builder
		for i, p := range s.Points {
			fmt.Fprintf(&path, "%.1f,%.1f ", x(i), y(p.Value))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round" points="%s"/>`,
			colour, strings.TrimSpace(path.String()))
		if len(s.Points) <= 62 {
			for i, p := range s.Points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, x(i), y(p.Value), colour)
			}
		}
	}
	if len(series) > 1 {
		lx := padL
		for si, s := range series {
			colour := s.Colour
			if colour == "" {
				colour = chartColours[si%len(chartColours)]
			}
			fmt.Fprintf(&b, `<rect x="%d" y="2" width="10" height="10" fill="%s"/>`, lx, colour)
			fmt.Fprintf(&b, `<text x="%d" y="11" font-size="11" fill="currentColor">%s</text>`, lx+14, html.EscapeString(s.Name))
			lx += 24 + 7*len([]rune(s.Name))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one bar per bucket of a distribution.
func barChart(id, title, desc string, bars []insights.Bucket) template.HTML {
	var b strings.Builder
	maxV := 0
	for _, bar := range bars {
		maxV = max(maxV, bar.Count)
	}
	top := niceMax(float64(maxV))
	const padT = 14
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(v float64) float64 { return padT + plotH*(1-v/top) }
	svgOpen(&b, id, title, desc)
	grid(&b, top, y)
	if len(bars) > 0 {
		slot := plotW / float64(len(bars))
		for i, bar := range bars {
			bx := padL + slot*float64(i) + slot*0.15
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
				bx, y(float64(bar.Count)), slot*0.7, plotH*float64(bar.Count)/top, chartColours[0])
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="currentColor">%s</text>`,
				bx+slot*0.35, chartH-padB+18, html.EscapeString(bar.Label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// grid draws the horizontal grid lines and their values.
func grid(b *strings.Builder, top float64, y func(float64) float64) {
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="currentColor" stroke-opacity="0.15"/>`,
			padL, chartW-padR, y(v), y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="currentColor">%s</text>`,
			padL-6, y(v)+4, formatNumber(v))
	}
}

// svgOpen starts an accessible SVG: its title and description name it for
// screen readers, which then find the figures in the table that follows.
func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" `+
		`aria-labelledby="%s-t %s-d" class="chart">`, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id,
		html.EscapeString(desc))
}

// labelIndexes picks up to five evenly spaced points to label on the x axis.
func labelIndexes(n int) []int {
	if n <= 5 {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, 5)
	for k := 0; k < 5; k++ {
		out = append(out, k*(n-1)/4)
	}
	return out
}

// describeSeries says in words what a line shows: where it starts and
// ends, and its highest point.
func describeSeries(p *Page, s []insights.Point) string {
	if len(s) == 0 {
		return p.T("insights.no_data")
	}
	peak := s[0]
	for _, pt := range s {
		if pt.Value > peak.Value {
			peak = pt
		}
	}
	return p.T("insights.series_desc", formatNumber(s[0].Value), s[0].Date, formatNumber(s[len(s)-1].Value),
		s[len(s)-1].Date, formatNumber(peak.Value), peak.Date)
}
