/*
 * migrations.h — the schema migrations embedded in the binary at build time
 * from src/store/migrations/NNNN_name.sql and, for PostgreSQL, from
 * src/store/migrations/pg/ (embed_migrations.cmake). A backend
 * applies, in order, every migration whose version is above the database's.
 */
#ifndef RK_MIGRATIONS_H
#define RK_MIGRATIONS_H

#include <stddef.h>

struct rk_migration {
    int version;      /* NNNN from the file name; strictly increasing */
    const char *name; /* the file name without .sql */
    const char *sql;  /* the whole script */
};

extern const struct rk_migration rk_migrations[]; /* rk_nmigrations entries */
extern const size_t rk_nmigrations;
/* PostgreSQL's own, from src/store/migrations/pg/NNNN_name.sql. */
extern const struct rk_migration rk_pg_migrations[]; /* rk_pg_nmigrations entries */
extern const size_t rk_pg_nmigrations;

#endif
