//! Category 2 cases. (Not yet in the catalog.)

use crate::catalog::CaseDef;
use crate::model::CaseId;

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    Vec::new()
}

/// The definition of one case of this category.
pub fn build(_id: &CaseId) -> Option<CaseDef> {
    None
}
