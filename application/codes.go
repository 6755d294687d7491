package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"upgrades/domain"
)

// redeemsPerNetwork lets a household redeem its codes and a guesser try
// few: twenty attempts, then one every fifteen seconds. With 30^12 codes
// that is no way to find one.
var redeemsPerNetwork = Limit{Burst: 20, Every: 15 * time.Second}

// SiteGiver is who gave a minted code, as its redeemer is told.
const SiteGiver = "the site"

// issueCodes makes n unused codes of type t for buyer: a purchase's
// (upgradeID) or minted ones (upgradeID 0). A value that exists already
// (one chance in 10^17) is made again.
func issueCodes(ctx context.Context, s Store, maker CodeMaker, t domain.UpgradeType, buyer domain.UserID, upgradeID domain.UpgradeID, note string, n int, now time.Time) ([]*domain.Code, error) {
	if maker == nil {
		return nil, fmt.Errorf("application: no CodeMaker: codes cannot be made")
	}
	out := make([]*domain.Code, 0, n)
	for len(out) < n {
		var err error
		for try := 0; try < 3; try++ {
			var v domain.CodeValue
			if v, err = maker.NewCode(); err != nil {
				return nil, err
			}
			var c *domain.Code
			if c, err = domain.NewCode(v, t, buyer, upgradeID, note, now); err != nil {
				return nil, err
			}
			if err = s.Codes.Create(ctx, c); err == nil {
				out = append(out, c)
				break
			}
			if !domain.IsKind(err, domain.KindConflict) {
				return nil, err
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MintCodes makes codes for an owner to give away (SPEC §9). The
// operator's command names no one logged in (OwnerID 0): it mints as
// OwnerName, or as the first owner when that is empty too.
type MintCodes struct {
	OwnerID   domain.UserID
	OwnerName string
	Type      string
	Quantity  int
	Note      string // why they were made, for the owners; one line
}

type MintCodesHandler struct {
	uow   UnitOfWork
	maker CodeMaker
	clock Clock
}

func NewMintCodesHandler(uow UnitOfWork, maker CodeMaker, clock Clock) MintCodesHandler {
	return MintCodesHandler{uow, maker, clock}
}

func (h MintCodesHandler) Handle(ctx context.Context, cmd MintCodes) ([]*domain.Code, error) {
	var codes []*domain.Code
	err := h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		owner, err := minter(ctx, s, cmd)
		if err != nil {
			return err
		}
		if !owner.IsOwner() || owner.IsBanned() {
			return domain.Errorf(domain.KindForbidden, "only owners mint codes")
		}
		t, err := codeType(cmd.Type)
		if err != nil {
			return err
		}
		if cmd.Quantity < 1 || cmd.Quantity > domain.MaxCodesMinted {
			return domain.Errorf(domain.KindInvalid, "quantity must be between 1 and %d", domain.MaxCodesMinted)
		}
		note, err := domain.ParseGiftNote(cmd.Note)
		if err != nil {
			return err
		}
		codes, err = issueCodes(ctx, s, h.maker, t, owner.ID(), 0, note, cmd.Quantity, h.clock.Now())
		if err != nil {
			return err
		}
		// One entry a code (at most MaxCodesMinted), so that the trail
		// of each code names who made it.
		for _, c := range codes {
			if err := record(ctx, s, h.clock, domain.AuditMint, Actor{ID: owner.ID()}, fmt.Sprintf("code:%d", c.ID()), note); err != nil {
				return err
			}
		}
		return nil
	})
	return codes, err
}

// minter is who mints: the viewer, or for the operator's command the
// named or first owner.
func minter(ctx context.Context, s Store, cmd MintCodes) (*domain.User, error) {
	switch {
	case cmd.OwnerID != 0:
		return requireUser(ctx, s, cmd.OwnerID)
	case cmd.OwnerName != "":
		return s.Users.ByName(ctx, cmd.OwnerName)
	}
	owners, err := s.Users.Owners(ctx)
	if err != nil {
		return nil, err
	}
	if len(owners) == 0 {
		return nil, domain.Errorf(domain.KindInvalid, "there is no owner to mint codes as; create one first")
	}
	return owners[0], nil
}

// codeType reads the type of a code: gold or platinum.
func codeType(s string) (domain.UpgradeType, error) {
	t, err := domain.ParseUpgradeType(strings.TrimSpace(s))
	if err != nil {
		return t, err
	}
	if refusal := domain.CodeTypeRefusal(t); refusal != nil {
		return t, refusal
	}
	return t, nil
}

// RedeemCode raises the redeemer to the level of a code. Network is the
// client's network (ClientNetwork), for the throttle.
type RedeemCode struct {
	RedeemerID domain.UserID
	Code       string
	Network    string
}

// RedeemedCode is a code just redeemed, the redeemer's new level and who
// gave the code (the buyer's name, or SiteGiver for a minted code).
type RedeemedCode struct {
	Code  *domain.Code
	Level domain.Level
	Giver string
}

type RedeemCodeHandler struct {
	uow       UnitOfWork
	throttles Throttles
	clock     Clock
	observer  CodeObserver // nil: nobody counts
}

func NewRedeemCodeHandler(uow UnitOfWork, throttles Throttles, clock Clock, observer Observer) RedeemCodeHandler {
	counter, _ := observer.(CodeObserver)
	return RedeemCodeHandler{uow, throttles, clock, counter}
}

// Handle spends an attempt of the network's allowance first, so that
// nobody can try codes faster than the throttle, found or not. It locks
// the code's purchase before the code and the code before the redeemer:
// the order of a refund, which voids the codes of a purchase.
func (h RedeemCodeHandler) Handle(ctx context.Context, cmd RedeemCode) (RedeemedCode, error) {
	if cmd.RedeemerID == 0 {
		return RedeemedCode{}, domain.Errorf(domain.KindUnauthenticated, "log in to redeem a code")
	}
	keys := []Allowance{{Key: "redeem-net:" + cmd.Network, Limit: redeemsPerNetwork}}
	wait, err := h.throttles.Take(ctx, h.clock.Now(), keys, func(levels []float64) time.Duration {
		return redeemsPerNetwork.Wait(levels[0])
	})
	if err != nil {
		return RedeemedCode{}, err
	}
	if wait > 0 {
		return RedeemedCode{}, tooMany("too many codes tried from your network", wait)
	}
	v, err := domain.ParseCode(cmd.Code)
	if err != nil {
		return RedeemedCode{}, err
	}
	var out RedeemedCode
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		found, err := s.Codes.ByValue(ctx, v)
		if domain.IsKind(err, domain.KindNotFound) {
			return domain.Errorf(domain.KindInvalid, "this code is not valid")
		}
		if err != nil {
			return err
		}
		var purchase *domain.Upgrade
		if found.UpgradeID() != 0 {
			if purchase, err = s.Upgrades.LockByID(ctx, found.UpgradeID()); err != nil {
				return err
			}
		}
		code, err := s.Codes.LockByValue(ctx, v)
		if err != nil {
			return err
		}
		redeemer, err := s.Users.LockByID(ctx, cmd.RedeemerID)
		if domain.IsKind(err, domain.KindNotFound) {
			return domain.Errorf(domain.KindUnauthenticated, "log in to redeem a code")
		}
		if err != nil {
			return err
		}
		now := h.clock.Now()
		if err := code.Redeem(redeemer, now); err != nil {
			return err
		}
		if err := s.Users.Update(ctx, redeemer); err != nil {
			return err
		}
		if err := s.Codes.Update(ctx, code); err != nil {
			return err
		}
		out = RedeemedCode{Code: code, Level: redeemer.Level(), Giver: SiteGiver}
		if purchase != nil {
			purchase.RecordCodeRedeemed(code, redeemer.Name(), now)
			if err := s.Upgrades.Update(ctx, purchase); err != nil {
				return err
			}
			buyer, err := s.Users.ByID(ctx, code.BuyerID())
			if err != nil {
				return err
			}
			out.Giver = buyer.Name()
		}
		return h.tell(ctx, s, code, redeemer, out.Giver, now)
	})
	if err == nil && h.observer != nil {
		h.observer.CodeRedeemed(out.Code.Type().String())
	}
	return out, err
}

// tell writes the messages of a redemption: to the redeemer, and to the
// buyer of a bought code.
func (h RedeemCodeHandler) tell(ctx context.Context, s Store, c *domain.Code, redeemer *domain.User, giver string, now time.Time) error {
	level := c.Grants().Title()
	send := func(to domain.UserID, upgrade domain.UpgradeID, body string) error {
		m, err := domain.NewMessage(to, body, now)
		if err != nil {
			return err
		}
		m.UpgradeID = upgrade
		return s.Messages.Create(ctx, m)
	}
	raised := fmt.Sprintf("You have been upgraded to %s with a code from %s!", level, giver)
	if c.Minted() {
		return send(redeemer.ID(), 0, raised)
	}
	// Links go to the purchase only for its buyer, who may open it.
	toRedeemer := domain.UpgradeID(0)
	if redeemer.ID() == c.BuyerID() {
		toRedeemer = c.UpgradeID()
	}
	if err := send(redeemer.ID(), toRedeemer, raised); err != nil {
		return err
	}
	if redeemer.ID() == c.BuyerID() {
		return nil
	}
	return send(c.BuyerID(), c.UpgradeID(), fmt.Sprintf("%s redeemed your %s code %s.", redeemer.Name(), level, c.Value().Short()))
}

// ListCodes reads a page of codes, newest first: the viewer's own (bought,
// minted for them, or redeemed by them); owners see all, with filters.
type ListCodes struct {
	ViewerID domain.UserID
	Filter   CodeFilter
	Page     string // as typed: empty, a number up to MaxPageNumber, b<id> or a<id>
	Limit    int    // 1 to MaxPageSize; 0 is DefaultPageSize
}

// CodeFilter is the codes page's search form, as typed.
type CodeFilter struct {
	Status, Type, BuyerName, RedeemerName string
}

// CodeList is one page of codes.
type CodeList struct {
	Paged[CodeRow]
	// All is set when the viewer sees everyone's codes (an owner).
	All bool
}

type ListCodesHandler struct{ uow UnitOfWork }

func NewListCodesHandler(uow UnitOfWork) ListCodesHandler { return ListCodesHandler{uow} }

func (h ListCodesHandler) Handle(ctx context.Context, cmd ListCodes) (CodeList, error) {
	page, limit, err := pageRequest(cmd.Page, cmd.Limit)
	if err != nil {
		return CodeList{}, err
	}
	q, err := cmd.Filter.query()
	if err != nil {
		return CodeList{}, err
	}
	q.Window = page.window(limit)
	var list CodeList
	err = h.uow.Do(ctx, func(ctx context.Context, s Store) error {
		viewer, err := requireUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		if list.All = viewer.IsOwner(); !list.All {
			q.VisibleTo = viewer.ID()
		}
		rows, err := s.Codes.List(ctx, q)
		if err != nil {
			return err
		}
		list.Paged = paginate(page, limit, rows, func(r CodeRow) int64 { return int64(r.Code.ID()) })
		return nil
	})
	return list, err
}

// query turns the search form into the store's query, without its window.
func (f CodeFilter) query() (CodeQuery, error) {
	q := CodeQuery{BuyerName: strings.TrimSpace(f.BuyerName), RedeemerName: strings.TrimSpace(f.RedeemerName)}
	var err error
	if t := strings.TrimSpace(f.Type); t != "" {
		if q.Type, err = domain.ParseUpgradeType(t); err != nil {
			return q, domain.Errorf(domain.KindMalformed, "unknown upgrade type %q", t)
		}
	}
	if st := strings.TrimSpace(f.Status); st != "" {
		if q.Status, err = domain.ParseCodeStatus(st); err != nil {
			return q, domain.Errorf(domain.KindMalformed, "unknown code status %q", st)
		}
	}
	return q, nil
}
