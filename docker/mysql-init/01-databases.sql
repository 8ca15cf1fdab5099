-- First start of the MySQL volume only (/docker-entrypoint-initdb.d runs when the data directory is
-- empty). One database per service: each service owns its schema, and no service reads another's.
-- Collation utf8mb4_unicode_ci, like the MariaDB the migrations are generated and tested on
-- (tools/infra/mariadb.sh), rather than MySQL 8's default utf8mb4_0900_ai_ci.
--
-- The accounts and grants are made by 02-service-users.sh, which reads the passwords from the
-- environment (an .sql file cannot). Databases of services that do not exist yet are created
-- ahead: they stay empty until their service starts and applies its migrations.
--
-- Adding a service: add its line here and its name in 02-service-users.sh (which also creates the
-- database, so an existing server only needs that script run again; see docs/deployment.md).

CREATE DATABASE IF NOT EXISTS `roster`       CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `people`       CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `cases`        CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `deliberation` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `county_feed`  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
