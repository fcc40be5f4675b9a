//! The three catalogs, seeded as the design lists them. An operator may edit
//! the rows afterwards; the server reads them on every request that needs
//! them, so an edit takes effect without a restart.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Regions {
    Table,
    Code,
    Name,
    Available,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Runtimes {
    Table,
    Code,
    Name,
    Supported,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Environments {
    Table,
    Name,
    Kind,
    Deprecated,
    Position,
}

const REGIONS: &[(&str, &str, bool)] = &[
    ("us-east-1", "US East (N. Virginia)", true),
    ("us-west-2", "US West (Oregon)", true),
    ("eu-west-1", "Europe (Ireland)", true),
    ("eu-central-1", "Europe (Frankfurt)", true),
    ("ap-southeast-1", "Asia Pacific (Singapore)", true),
    ("sa-east-1", "South America (São Paulo)", false),
];

const RUNTIMES: &[(&str, &str, bool)] = &[
    ("python-3.8", "Python 3.8", false),
    ("python-3.9", "Python 3.9", true),
    ("python-3.10", "Python 3.10", true),
    ("python-3.11", "Python 3.11", true),
    ("python-3.12", "Python 3.12", true),
    ("python-3.13", "Python 3.13", true),
    ("python-3.14", "Python 3.14", true),
    ("node-20", "Node.js 20", true),
    ("node-22", "Node.js 22", true),
];

const ENVIRONMENTS: &[(&str, &str, bool)] = &[
    ("default", "production", true),
    ("development", "development", false),
    ("staging", "test", false),
    ("production", "production", false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let regions = [
            Regions::Code,
            Regions::Name,
            Regions::Available,
            Regions::Position,
        ];
        seed(manager, Regions::Table, regions, REGIONS).await?;
        let runtimes = [
            Runtimes::Code,
            Runtimes::Name,
            Runtimes::Supported,
            Runtimes::Position,
        ];
        seed(manager, Runtimes::Table, runtimes, RUNTIMES).await?;
        let environments = [
            Environments::Name,
            Environments::Kind,
            Environments::Deprecated,
            Environments::Position,
        ];
        seed(manager, Environments::Table, environments, ENVIRONMENTS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Environments::Table.into_iden(),
            Runtimes::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager
                .exec_stmt(Query::delete().from_table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Inserts catalog rows `(key, label, flag, position)`, leaving rows an
/// operator already has untouched, so running it twice changes nothing.
async fn seed<T, C>(
    manager: &SchemaManager<'_>,
    table: T,
    columns: [C; 4],
    rows: &[(&str, &str, bool)],
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden + Copy,
{
    let mut insert = Query::insert();
    insert.into_table(table).columns(columns);
    for (position, (key, label, flag)) in rows.iter().enumerate() {
        insert.values_panic([
            (*key).into(),
            (*label).into(),
            (*flag).into(),
            (position as i32).into(),
        ]);
    }
    insert.on_conflict(OnConflict::column(columns[0]).do_nothing().to_owned());
    manager.exec_stmt(insert).await
}
