"""Planning: desired state + remote state -> a Plan of typed steps (pure, no AWS calls)."""
