/* placeholder grammar; replaced by the DSL implementation */
%define api.pure full
%define api.prefix {tpc_yy}
%expect 0
%code {
static int tpc_yylex(TPC_YYSTYPE *lval) { (void)lval; return 0; }
static void tpc_yyerror(const char *msg) { (void)msg; }
}
%%
input: %empty ;
%%
