"""From the diagnostic to the plan d'actions: the plan, its fiches actions and the yearly follow-up."""
