package application

import "upgrades/domain"

// CurrentSaleHandler says which sale runs now, for the banner every page
// shows.
type CurrentSaleHandler struct {
	prices domain.Prices
	clock  Clock
}

func NewCurrentSaleHandler(prices domain.Prices, clock Clock) CurrentSaleHandler {
	return CurrentSaleHandler{prices, clock}
}

// Handle returns the running sale, the zero Sale when none runs.
func (h CurrentSaleHandler) Handle() domain.Sale {
	if s := h.prices.Sale(); h.clock != nil && s.Running(h.clock.Now()) {
		return s
	}
	return domain.Sale{}
}
