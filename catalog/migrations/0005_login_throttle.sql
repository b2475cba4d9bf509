-- Login throttling counts recent failures in the audit log, per account
-- (target = the normalised e-mail) and per client address.
CREATE INDEX audit_log_action_target ON audit_log(action, target, at);
CREATE INDEX audit_log_action_client ON audit_log(action, client, at);
