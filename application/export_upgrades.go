package application

import (
	"context"

	"upgrades/domain"
)

// ExportUpgrades reads every upgrade the list's filters match, newest
// first, for a download: admins and owners everyone's, others their own.
type ExportUpgrades struct {
	ViewerID domain.UserID
	Filter   UpgradeFilter
}

// ExportBatch is how many upgrades each unit of work of an export reads.
const ExportBatch = 500

type ExportUpgradesHandler struct{ uow UnitOfWork }

func NewExportUpgradesHandler(uow UnitOfWork) ExportUpgradesHandler {
	return ExportUpgradesHandler{uow}
}

// Handle hands each matching upgrade to each, newest first. It reads a
// batch at a time, each in a unit of work of its own that ends before
// each sees the batch, so that a slow reader of the download holds no
// transaction; a batch goes on below the last id of the one before. An
// error of each stops the export and is returned.
func (h ExportUpgradesHandler) Handle(ctx context.Context, cmd ExportUpgrades, each func(UpgradeRow) error) error {
	q, err := cmd.Filter.query()
	if err != nil {
		return err
	}
	q.Limit = ExportBatch
	for {
		var rows []UpgradeRow
		err := h.uow.Do(ctx, func(ctx context.Context, s Store) error {
			viewer, err := requireUser(ctx, s, cmd.ViewerID)
			if err != nil {
				return err
			}
			if !viewer.IsAdmin() {
				q.VisibleTo = viewer.ID()
			}
			rows, err = s.Upgrades.List(ctx, q)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := each(r); err != nil {
				return err
			}
		}
		if len(rows) < q.Limit {
			return nil
		}
		q.Before = int64(rows[len(rows)-1].Upgrade.ID())
	}
}
