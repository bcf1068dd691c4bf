// basic: the SDK's basic temporal block (cpnas/basic_block.hpp), offered to the search.
#include "cpnas/basic_block.hpp"
#include "cpnas/plugin.hpp"

CPNAS_PLUGIN(CPNAS_BLOCK("basic", cpnas::block_factory<cpnas::BasicBlockImpl>))
