-- Approvals made before scopes were recorded cover the scopes the app asked for at upgrade time.
UPDATE `client_app_states` SET `approved_scopes` = (SELECT `scopes` FROM `apps` WHERE `apps`.`id` = `client_app_states`.`app_id`)
WHERE `resolution` = 'approved' AND `approved_scopes` IS NULL;
