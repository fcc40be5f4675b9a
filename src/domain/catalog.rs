//! The catalogs a project is checked against: regions, runtimes and
//! environments, each entry either usable or listed-but-refused.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub code: String,
    pub name: String,
    pub supported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub kind: String,
    pub deprecated: bool,
}

/// The three catalogs as read for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogs {
    pub regions: Vec<Region>,
    pub runtimes: Vec<Runtime>,
    pub environments: Vec<Environment>,
}

impl Catalogs {
    pub fn available_regions(&self) -> Vec<&str> {
        self.regions
            .iter()
            .filter(|region| region.available)
            .map(|region| region.code.as_str())
            .collect()
    }

    pub fn supported_runtimes(&self) -> Vec<&str> {
        self.runtimes
            .iter()
            .filter(|runtime| runtime.supported)
            .map(|runtime| runtime.code.as_str())
            .collect()
    }

    /// The environments a project gets when it names none.
    pub fn default_environments(&self) -> Vec<String> {
        self.environments
            .iter()
            .filter(|environment| !environment.deprecated)
            .map(|environment| environment.name.clone())
            .collect()
    }

    pub fn has_environment(&self, name: &str) -> bool {
        self.environments
            .iter()
            .any(|environment| environment.name == name)
    }
}
