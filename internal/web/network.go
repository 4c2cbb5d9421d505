package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// networkPage is the data of the page that shows how the viewer's network
// grew.
type networkPage struct {
	Tabs       []tab
	Total      int
	Introduced int
	Share      string // the share through introductions, as a percentage
	Chart      *growthChart
	Months     []growthMonth
	Recent     []growthItem
}

// growthMonth sums up one month of new connections.
type growthMonth struct {
	Month                 string
	New, Introduced, Upto int
}

// growthItem is one connection and how it came about.
type growthItem struct {
	Account, IntroducedBy *model.Account
	At                    time.Time
}

// growthChart is the cumulative count of connections (all, and those made
// through introductions) drawn as two step lines in an SVG of Width ×
// Height.
type growthChart struct {
	Width, Height    int
	All, Introduced  string // the polylines' points
	Max              int
	From, To         string
	YTop, XEnd, Base int
}

// Chart geometry, in SVG units.
const (
	chartWidth  = 600
	chartHeight = 220
	chartPad    = 32
)

// network shows how the viewer's network grew: the connections over time,
// and the share that came through introductions.
func (h *Handler) network(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "network.title")
	g, err := h.svc.Network(r.Context(), p.Actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	np := networkPage{Tabs: peopleTabs(p, "/network"), Total: len(g.Connections), Introduced: g.Introduced,
		Share: fmt.Sprintf("%.0f", 100*g.IntroducedShare)}
	if len(g.Connections) > 0 {
		np.Chart = drawGrowth(g.Connections, p.now)
	}
	upto := 0
	for _, c := range g.Connections {
		month := c.CreatedAt.Format("2006-01")
		if k := len(np.Months) - 1; k < 0 || np.Months[k].Month != month {
			np.Months = append(np.Months, growthMonth{Month: month})
		}
		m := &np.Months[len(np.Months)-1]
		upto++
		m.New++
		m.Upto = upto
		if c.IntroducedBy != 0 {
			m.Introduced++
		}
	}
	// The latest connections, newest first.
	for i := len(g.Connections) - 1; i >= 0 && len(np.Recent) < 20; i-- {
		c := g.Connections[i]
		a := g.Accounts[c.Other]
		if a == nil {
			continue
		}
		np.Recent = append(np.Recent, growthItem{Account: a, IntroducedBy: g.Accounts[c.IntroducedBy], At: c.CreatedAt})
	}
	p.Data = np
	h.render(w, r, http.StatusOK, "network", p)
}

// drawGrowth draws the cumulative connections from the first to now.
func drawGrowth(conns []store.ConnectionGrowth, now time.Time) *growthChart {
	first := conns[0].CreatedAt
	span := now.Sub(first)
	if span <= 0 {
		span = time.Second
	}
	ch := &growthChart{Width: chartWidth, Height: chartHeight, Max: len(conns), From: first.Format("2006-01-02"),
		To: now.Format("2006-01-02"), YTop: chartPad, XEnd: chartWidth - chartPad, Base: chartHeight - chartPad}
	x := func(t time.Time) float64 {
		return chartPad + float64(chartWidth-2*chartPad)*float64(t.Sub(first))/float64(span)
	}
	y := func(n int) float64 {
		return float64(chartHeight-chartPad) - float64(chartHeight-2*chartPad)*float64(n)/float64(len(conns))
	}
	var all, intro strings.Builder
	point := func(b *strings.Builder, px, py float64) {
		fmt.Fprintf(b, "%.1f,%.1f ", math.Round(px*10)/10, math.Round(py*10)/10)
	}
	point(&all, chartPad, y(0))
	point(&intro, chartPad, y(0))
	n, k := 0, 0
	for _, c := range conns {
		px := x(c.CreatedAt)
		point(&all, px, y(n))
		n++
		point(&all, px, y(n))
		if c.IntroducedBy != 0 {
			point(&intro, px, y(k))
			k++
			point(&intro, px, y(k))
		}
	}
	point(&all, float64(chartWidth-chartPad), y(n))
	point(&intro, float64(chartWidth-chartPad), y(k))
	ch.All, ch.Introduced = strings.TrimSpace(all.String()), strings.TrimSpace(intro.String())
	return ch
}
